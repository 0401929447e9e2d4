package io.counterflow.model.io;

import io.counterflow.model.data.Features;

import java.util.Arrays;

/**
 * Growable scratch arrays that collect one record's features in record order and then build an exact-size
 * {@link Features}. Reused across records so that parsing allocates only what the result keeps; name arrays
 * equal to the previous record's are shared with it (streams repeat the same field names), so callers must
 * treat {@link Features} name arrays as read-only. Used by the event codec and by the scoring server's request
 * parser.
 */
public final class FeatureBuffer {
    private String[] catNames = new String[16];
    private String[] catValues = new String[16];
    private int cats;
    private String[] multiNames = new String[4];
    private String[][] multiValues = new String[4][];
    private int multis;
    private String[] numNames = new String[8];
    private double[] numValues = new double[8];
    private int nums;
    private String[] scratch = new String[16];
    private int scratchLen;

    private String[] lastCatNames = Features.NO_STRINGS;
    private String[] lastMultiNames = Features.NO_STRINGS;
    private String[] lastNumNames = Features.NO_STRINGS;

    public void clear() {
        cats = 0;
        multis = 0;
        nums = 0;
        scratchLen = 0;
    }

    public void addCat(String name, String value) {
        if (cats == catNames.length) {
            catNames = Arrays.copyOf(catNames, cats * 2);
            catValues = Arrays.copyOf(catValues, cats * 2);
        }
        catNames[cats] = name;
        catValues[cats++] = value;
    }

    public void addNum(String name, double value) {
        if (nums == numNames.length) {
            numNames = Arrays.copyOf(numNames, nums * 2);
            numValues = Arrays.copyOf(numValues, nums * 2);
        }
        numNames[nums] = name;
        numValues[nums++] = value;
    }

    public void startMulti() {
        scratchLen = 0;
    }

    public void addMultiValue(String value) {
        if (scratchLen == scratch.length) {
            scratch = Arrays.copyOf(scratch, scratchLen * 2);
        }
        scratch[scratchLen++] = value;
    }

    public void endMulti(String name) {
        if (multis == multiNames.length) {
            multiNames = Arrays.copyOf(multiNames, multis * 2);
            multiValues = Arrays.copyOf(multiValues, multis * 2);
        }
        multiNames[multis] = name;
        multiValues[multis++] = Arrays.copyOf(scratch, scratchLen);
    }

    /** Builds the record's {@link Features}; name arrays are shared with the previous result when equal. */
    public Features build() {
        lastCatNames = reuse(catNames, cats, lastCatNames);
        lastMultiNames = reuse(multiNames, multis, lastMultiNames);
        lastNumNames = reuse(numNames, nums, lastNumNames);
        return new Features(lastCatNames, Arrays.copyOf(catValues, cats), lastMultiNames,
                Arrays.copyOf(multiValues, multis), lastNumNames, Arrays.copyOf(numValues, nums));
    }

    private static String[] reuse(String[] names, int n, String[] last) {
        if (last.length == n) {
            boolean same = true;
            for (int i = 0; i < n && same; i++) {
                String a = names[i];
                String b = last[i];
                same = a == b || a.equals(b);
            }
            if (same) {
                return last;
            }
        }
        return n == 0 ? Features.NO_STRINGS : Arrays.copyOf(names, n);
    }
}
