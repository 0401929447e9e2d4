package io.counterflow.model.feature;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import java.util.HashMap;
import java.util.Map;

/**
 * Encodes labeled samples into an {@link EncodedBatch}: hashes every categorical value into its table row,
 * de-duplicates the rows of the batch (a generation-stamped row→slot map, so nothing is cleared per batch),
 * and standardises numerics (updating the running statistics when training). Allocates nothing per sample in
 * the steady state. Not thread-safe.
 */
public final class BatchEncoder {
    private final FeatureSpace space;
    private final long[] catState;
    private final long[] multiState;
    private final int[] catMissingRow;
    private final Map<String, Integer> catIndex = new HashMap<>();
    private final Map<String, Integer> multiIndex = new HashMap<>();
    private final Map<String, Integer> numIndex = new HashMap<>();
    /** slotOf[row] is valid when stamp[row] == generation. */
    private final int[] slotOf;
    private final int[] stamp;
    private int generation;
    /** Field fi was seen in the current sample when catSeen[fi] (numSeen[fi]) == sampleMark: nothing to clear. */
    private final int[] catSeen;
    private final int[] numSeen;
    private int sampleMark;

    public BatchEncoder(FeatureSpace space) {
        this.space = space;
        int nc = space.catFields.length;
        int nm = space.multiFields.length;
        catState = new long[nc];
        multiState = new long[nm];
        catMissingRow = new int[nc];
        for (int f = 0; f < nc; f++) {
            catState[f] = FeatureHash.fieldState(space.hashSeed, space.catFields[f]);
            catIndex.put(space.catFields[f], f);
        }
        for (int f = 0; f < nm; f++) {
            multiState[f] = FeatureHash.fieldState(space.hashSeed, space.multiFields[f]);
            multiIndex.put(space.multiFields[f], f);
        }
        for (int f = 0; f < space.numFields.length; f++) {
            numIndex.put(space.numFields[f], f);
        }
        for (int f = 0; f < nc; f++) {
            catMissingRow[f] = row(FeatureHash.hash(catState[f], FeatureHash.MISSING), f);
        }
        slotOf = new int[space.tableRows()];
        stamp = new int[space.tableRows()];
        catSeen = new int[nc];
        numSeen = new int[space.numFields.length];
    }

    public FeatureSpace space() {
        return space;
    }

    /** A batch of this space's layout with the given capacity. */
    public EncodedBatch newBatch(int capacity) {
        return new EncodedBatch(capacity, space.catFields.length, space.multiFields.length, space.numFields.length);
    }

    private int row(long hash, int tableIndex) {
        int b = FeatureHash.bucket(hash, space.buckets);
        return space.tablePerField ? tableIndex * space.buckets + b : b;
    }

    /** Table row of value v of single-valued field f (for tests and inspection). */
    public int catRow(int f, String v) {
        return row(FeatureHash.hash(catState[f], v), f);
    }

    private int slot(EncodedBatch b, int row) {
        if (stamp[row] == generation) {
            return slotOf[row];
        }
        stamp[row] = generation;
        if (b.uniqueCount == b.uniqueRows.length) {
            b.uniqueRows = java.util.Arrays.copyOf(b.uniqueRows, b.uniqueRows.length * 2);
        }
        int s = b.uniqueCount++;
        b.uniqueRows[s] = row;
        slotOf[row] = s;
        return s;
    }

    /**
     * Encodes samples[off .. off+n) into {@code out}. With {@code train}, the numeric statistics first absorb
     * the batch's values (so a batch is standardised with statistics that include it).
     */
    public void encode(LabeledSample[] samples, int off, int n, EncodedBatch out, boolean train) {
        if (n > out.capacity) {
            throw new IllegalArgumentException("batch of " + n + " exceeds the encoder batch capacity "
                    + out.capacity);
        }
        if (++generation == 0) {
            java.util.Arrays.fill(stamp, 0);
            generation = 1;
        }
        out.n = n;
        out.uniqueCount = 0;
        boolean allTruth = true;
        if (train) {
            for (int i = 0; i < n; i++) {
                Features f = samples[off + i].features;
                for (int k = 0; k < f.numNames.length; k++) {
                    int fi = numField(f.numNames[k], k);
                    if (fi >= 0) {
                        space.observe(fi, f.numValues[k]);
                    }
                }
            }
        }
        boolean provisional = false;
        int mv = 0;
        int nc = space.catFields.length;
        int nm = space.multiFields.length;
        int nn = space.numFields.length;
        for (int i = 0; i < n; i++) {
            LabeledSample s = samples[off + i];
            Features f = s.features;
            out.click[i] = s.click;
            out.conversion[i] = s.conversion;
            out.impressionWeight[i] = s.emission == null || s.emission == Emission.FINAL || s.emission == Emission.FIRST ? 1f : 0f;
            out.labelWeight[i] = 1f;
            provisional |= s.click == 1 && s.conversion == 0 && s.emission == Emission.FIRST;
            if (s.truth != null) {
                out.truthCvr[i] = (float) s.truth.cvr;
                out.truthCtr[i] = (float) s.truth.ctr;
            } else {
                allTruth = false;
            }
            if (++sampleMark == 0) {
                java.util.Arrays.fill(catSeen, 0);
                java.util.Arrays.fill(numSeen, 0);
                sampleMark = 1;
            }
            int mark = sampleMark;
            for (int k = 0; k < f.catNames.length; k++) {
                int fi = catField(f.catNames[k], k);
                if (fi >= 0 && catSeen[fi] != mark) {
                    catSeen[fi] = mark;
                    out.catSlots[i * nc + fi] = slot(out, row(FeatureHash.hash(catState[fi], f.catValues[k]), fi));
                }
            }
            for (int fi = 0; fi < nc; fi++) {
                if (catSeen[fi] != mark) {
                    out.catSlots[i * nc + fi] = slot(out, catMissingRow[fi]);
                }
            }
            for (int fi = 0; fi < nm; fi++) {
                out.mvStart[i * nm + fi] = mv;
                String[] vals = multiValues(f, fi);
                if (vals != null) {
                    if (mv + vals.length > out.mvSlots.length) {
                        out.mvSlots = java.util.Arrays.copyOf(out.mvSlots, Math.max(out.mvSlots.length * 2,
                                mv + vals.length));
                    }
                    for (String v : vals) {
                        out.mvSlots[mv++] = slot(out, row(FeatureHash.hash(multiState[fi], v), nc + fi));
                    }
                }
            }
            for (int k = 0; k < f.numNames.length; k++) {
                int fi = numField(f.numNames[k], k);
                if (fi >= 0) {
                    numSeen[fi] = mark;
                    out.numeric[i * nn + fi] = space.standardise(fi, f.numValues[k]);
                }
            }
            for (int fi = 0; fi < nn; fi++) {
                if (numSeen[fi] != mark) {
                    out.numeric[i * nn + fi] = 0f;
                }
            }
        }
        out.mvStart[n * nm] = mv;
        out.hasTruth = allTruth;
        out.provisionalLabels = provisional;
    }

    private int catField(String name, int position) {
        if (position < space.catFields.length && space.catFields[position].equals(name)) {
            return position;
        }
        Integer i = catIndex.get(name);
        return i == null ? -1 : i;
    }

    private int numField(String name, int position) {
        if (position < space.numFields.length && space.numFields[position].equals(name)) {
            return position;
        }
        Integer i = numIndex.get(name);
        return i == null ? -1 : i;
    }

    private String[] multiValues(Features f, int fi) {
        String name = space.multiFields[fi];
        if (fi < f.multiNames.length && f.multiNames[fi].equals(name)) {
            return f.multiValues[fi];
        }
        for (int k = 0; k < f.multiNames.length; k++) {
            if (f.multiNames[k].equals(name)) {
                return f.multiValues[k];
            }
        }
        return null;
    }
}
