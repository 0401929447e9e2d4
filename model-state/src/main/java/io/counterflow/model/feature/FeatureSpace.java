package io.counterflow.model.feature;

import io.counterflow.model.data.Features;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The schema and the state of the input layer: which fields are single-valued categorical, multi-valued
 * categorical and numeric (in a fixed order), how values hash into table rows, and the running mean and
 * variance of each numeric field (Welford; part of the model and of its snapshot). Fields a record lacks get
 * a dedicated "missing" row (categorical), an empty pool (multi-valued) or the running mean (numeric); fields
 * the schema lacks are ignored.
 */
public final class FeatureSpace {
    public final String[] catFields;
    public final String[] multiFields;
    public final String[] numFields;
    public final int dim;
    public final int buckets;
    public final boolean tablePerField;
    public final long hashSeed;

    /** Welford state per numeric field. */
    final double[] numCount;
    final double[] numMean;
    final double[] numM2;

    public FeatureSpace(String[] catFields, String[] multiFields, String[] numFields, int dim, int buckets,
            boolean tablePerField, long hashSeed) {
        this.catFields = catFields.clone();
        this.multiFields = multiFields.clone();
        this.numFields = numFields.clone();
        this.dim = dim;
        this.buckets = buckets;
        this.tablePerField = tablePerField;
        this.hashSeed = hashSeed;
        checkDistinct();
        if ((long) tableRows() * dim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("embedding table of " + tableRows() + " rows x " + dim
                    + " exceeds 2^31 floats; lower buckets or embedding-dim");
        }
        if (catFields.length + multiFields.length + numFields.length == 0) {
            throw new IllegalArgumentException("feature space has no fields");
        }
        this.numCount = new double[numFields.length];
        this.numMean = new double[numFields.length];
        this.numM2 = new double[numFields.length];
    }

    private void checkDistinct() {
        Set<String> seen = new LinkedHashSet<>();
        for (String[] group : new String[][] {catFields, multiFields, numFields}) {
            for (String f : group) {
                if (!seen.add(f)) {
                    throw new IllegalArgumentException("feature field '" + f + "' is declared twice");
                }
            }
        }
    }

    /** Rows of the embedding table: buckets, or buckets per categorical field when the table is per field. */
    public int tableRows() {
        return tablePerField ? buckets * Math.max(1, catFields.length + multiFields.length) : buckets;
    }

    /** Width of the model input: (cat + multi) · dim + numeric. */
    public int inputWidth() {
        return (catFields.length + multiFields.length) * dim + numFields.length;
    }

    /**
     * The schema seen in these records, in first-seen order: a field is multi-valued if any record has an
     * array for it, numeric if any has a number, categorical otherwise.
     */
    public static FeatureSpace infer(Iterable<Features> records, int dim, int buckets, boolean perField,
            long seed) {
        Set<String> cat = new LinkedHashSet<>();
        Set<String> multi = new LinkedHashSet<>();
        Set<String> num = new LinkedHashSet<>();
        for (Features f : records) {
            cat.addAll(Arrays.asList(f.catNames));
            multi.addAll(Arrays.asList(f.multiNames));
            num.addAll(Arrays.asList(f.numNames));
        }
        cat.removeAll(multi);
        cat.removeAll(num);
        multi.removeAll(num);
        return new FeatureSpace(cat.toArray(new String[0]), multi.toArray(new String[0]),
                num.toArray(new String[0]), dim, buckets, perField, seed);
    }

    /** Running mean of numeric field f (0 before any value). */
    public double numericMean(int f) {
        return numMean[f];
    }

    /** Running standard deviation of numeric field f (1 before two values). */
    public double numericStd(int f) {
        return numCount[f] < 2 ? 1.0 : Math.sqrt(numM2[f] / (numCount[f] - 1) + 1e-12);
    }

    /** Adds one observation to the running statistics of numeric field f. */
    void observe(int f, double x) {
        double c = ++numCount[f];
        double d = x - numMean[f];
        numMean[f] += d / c;
        numM2[f] += d * (x - numMean[f]);
    }

    /** Standardised value, clipped into [−10, 10]. */
    float standardise(int f, double x) {
        double z = (x - numMean[f]) / numericStd(f);
        return (float) Math.max(-10, Math.min(10, z));
    }

    /** The numeric statistics as [count, mean, m2] triples (for snapshots). */
    public double[] numericState() {
        double[] s = new double[numFields.length * 3];
        for (int f = 0; f < numFields.length; f++) {
            s[3 * f] = numCount[f];
            s[3 * f + 1] = numMean[f];
            s[3 * f + 2] = numM2[f];
        }
        return s;
    }

    /** Restores statistics written by {@link #numericState}. */
    public void restoreNumericState(double[] s) {
        if (s.length != numFields.length * 3) {
            throw new IllegalArgumentException("numeric statistics hold " + s.length + " values, expected "
                    + numFields.length * 3);
        }
        for (int f = 0; f < numFields.length; f++) {
            numCount[f] = s[3 * f];
            numMean[f] = s[3 * f + 1];
            numM2[f] = s[3 * f + 2];
        }
    }

    /** A summary of the schema, for logs. */
    @Override
    public String toString() {
        return "FeatureSpace{categorical=" + Arrays.toString(catFields) + ", multi=" + Arrays.toString(multiFields)
                + ", numeric=" + Arrays.toString(numFields) + ", dim=" + dim + ", buckets=" + buckets
                + (tablePerField ? " per field" : " shared") + "}";
    }

    /** All field names in input order. */
    public List<String> fieldNames() {
        List<String> l = new ArrayList<>(Arrays.asList(catFields));
        l.addAll(Arrays.asList(multiFields));
        l.addAll(Arrays.asList(numFields));
        return l;
    }
}
