package io.counterflow.model.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * The {@code features} object of an impression or sample, split by value kind so that it is a Flink POJO
 * (no {@code Map<String, Object>}, which would fall back to Kryo). Parallel arrays: {@code catNames[i]}
 * has value {@code catValues[i]}, and so on. Field order is the order of the source record.
 */
public final class Features {
    public static final String[] NO_STRINGS = new String[0];

    /** Single-valued categorical fields. */
    public String[] catNames = NO_STRINGS;
    public String[] catValues = NO_STRINGS;
    /** Multi-valued categorical fields (mean-pooled by the model). */
    public String[] multiNames = NO_STRINGS;
    public String[][] multiValues = new String[0][];
    /** Numeric fields; always finite (non-finite numbers are bad input). */
    public String[] numNames = NO_STRINGS;
    public double[] numValues = new double[0];

    public Features() {}

    public Features(String[] catNames, String[] catValues, String[] multiNames, String[][] multiValues,
            String[] numNames, double[] numValues) {
        this.catNames = catNames;
        this.catValues = catValues;
        this.multiNames = multiNames;
        this.multiValues = multiValues;
        this.numNames = numNames;
        this.numValues = numValues;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Features)) {
            return false;
        }
        Features f = (Features) o;
        return Arrays.equals(catNames, f.catNames) && Arrays.equals(catValues, f.catValues)
                && Arrays.equals(multiNames, f.multiNames) && Arrays.deepEquals(multiValues, f.multiValues)
                && Arrays.equals(numNames, f.numNames) && Arrays.equals(numValues, f.numValues);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(catNames), Arrays.hashCode(catValues), Arrays.hashCode(numValues));
    }

    @Override
    public String toString() {
        return "Features{cat=" + Arrays.toString(catNames) + "=" + Arrays.toString(catValues) + ", multi="
                + Arrays.toString(multiNames) + "=" + Arrays.deepToString(multiValues) + ", num="
                + Arrays.toString(numNames) + "=" + Arrays.toString(numValues) + "}";
    }
}
