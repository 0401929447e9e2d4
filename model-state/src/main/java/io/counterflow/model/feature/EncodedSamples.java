package io.counterflow.model.feature;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;

import java.util.Arrays;

/**
 * A batch of labeled samples in the trainer's input form, made by the encoder upstream of the trainer: the model
 * input of each training step ({@link EncodedBatch}es of at most the trainer's batch capacity, in order), what the
 * trainer still needs per row (labels, emission kind, click and conversion timestamps for the delay model, the
 * audit's impression-id hash) and the feature space it was encoded in (schema and the numeric statistics after
 * this batch, which the trainer copies into its model so that checkpoints and published versions carry them).
 * Primitive arrays only: no per-sample objects. Immutable once emitted.
 *
 * <p>A batch with a NaN or infinite numeric value is not encoded ({@link #nonFinite}; no steps, the statistics do
 * not absorb it): the trainer counts and skips it.
 */
public final class EncodedSamples {
    public int n;
    /** The schema ({@code null} arrays when no feature space exists yet: a first batch that is not finite). */
    public String[] catFields;
    public String[] multiFields;
    public String[] numFields;
    public int dim;
    public int buckets;
    public boolean tablePerField;
    public long hashSeed;
    /** {@link FeatureSpace#numericState()} after this batch was encoded. */
    public double[] numericState;
    /** Whether some numeric value was NaN or infinite (then {@link #steps} is empty). */
    public boolean nonFinite;
    /** The training steps' inputs, rows [0, n) in order. */
    public EncodedBatch[] steps;
    /** Per row: {@link #idHash(String)} of the impression id, emission ordinal, labels, timestamps. */
    public long[] idHash;
    public byte[] emission;
    public byte[] click;
    public byte[] conversion;
    public long[] clickTs;
    public long[] conversionTs;

    private static final Emission[] EMISSIONS = Emission.values();
    private static final EncodedBatch[] NO_STEPS = new EncodedBatch[0];

    /** For deserialisers. */
    public EncodedSamples() {}

    /**
     * Encodes samples[0, n) with {@code encoder} (training mode: the numeric statistics absorb the values) in steps
     * of at most {@code stepCapacity} rows, or, when a numeric value is not finite, only their rows.
     */
    public static EncodedSamples encode(BatchEncoder encoder, LabeledSample[] samples, int n, int stepCapacity) {
        EncodedSamples e = rows(samples, n);
        e.schema(encoder.space());
        e.nonFinite = !finite(samples, n);
        if (e.nonFinite) {
            e.steps = NO_STEPS;
        } else {
            e.steps = new EncodedBatch[(n + stepCapacity - 1) / stepCapacity];
            for (int k = 0, off = 0; off < n; k++, off += stepCapacity) {
                int m = Math.min(stepCapacity, n - off);
                e.steps[k] = encoder.newBatch(m);
                encoder.encode(samples, off, m, e.steps[k], true);
            }
        }
        e.numericState = encoder.space().numericState();
        return e;
    }

    /** The rows of a batch that is not finite, before any feature space exists. */
    public static EncodedSamples nonFinite(LabeledSample[] samples, int n) {
        EncodedSamples e = rows(samples, n);
        e.nonFinite = true;
        e.steps = NO_STEPS;
        return e;
    }

    private static EncodedSamples rows(LabeledSample[] samples, int n) {
        EncodedSamples e = new EncodedSamples();
        e.n = n;
        e.ensureRows(n);
        for (int i = 0; i < n; i++) {
            LabeledSample s = samples[i];
            e.idHash[i] = idHash(s.id == null ? "" : s.id);
            e.emission[i] = (byte) (s.emission == null ? Emission.FINAL : s.emission).ordinal();
            e.click[i] = (byte) s.click;
            e.conversion[i] = (byte) s.conversion;
            e.clickTs[i] = s.clickTs;
            e.conversionTs[i] = s.conversionTs;
        }
        return e;
    }

    /** Makes the row columns hold at least {@code rows} rows, keeping the arrays when they already do. */
    public void ensureRows(int rows) {
        if (idHash == null || idHash.length < rows) {
            idHash = new long[rows];
            emission = new byte[rows];
            click = new byte[rows];
            conversion = new byte[rows];
            clickTs = new long[rows];
            conversionTs = new long[rows];
        }
    }

    private void schema(FeatureSpace s) {
        catFields = s.catFields;
        multiFields = s.multiFields;
        numFields = s.numFields;
        dim = s.dim;
        buckets = s.buckets;
        tablePerField = s.tablePerField;
        hashSeed = s.hashSeed;
    }

    /** Whether the batch carries a schema. */
    public boolean hasSchema() {
        return catFields != null;
    }

    /** A new feature space of this batch's schema, with this batch's numeric statistics. */
    public FeatureSpace space() {
        FeatureSpace s = new FeatureSpace(catFields, multiFields, numFields, dim, buckets, tablePerField, hashSeed);
        s.restoreNumericState(numericState);
        return s;
    }

    /** Whether {@code s} has this batch's schema (fields in order, table layout and hash). */
    public boolean sameSchema(FeatureSpace s) {
        return Arrays.equals(catFields, s.catFields) && Arrays.equals(multiFields, s.multiFields)
                && Arrays.equals(numFields, s.numFields) && dim == s.dim && buckets == s.buckets
                && tablePerField == s.tablePerField && hashSeed == s.hashSeed;
    }

    /** The emission kind of row i. */
    public Emission emission(int i) {
        return EMISSIONS[emission[i]];
    }

    /** Whether every numeric feature value of samples[0, n) is finite. */
    public static boolean finite(LabeledSample[] samples, int n) {
        for (int i = 0; i < n; i++) {
            Features f = samples[i].features;
            if (f == null) {
                continue;
            }
            for (double v : f.numValues) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * 64-bit hash of an impression id (the sample audit's): FNV-1a over its UTF-16 chars, then the SplitMix64
     * finaliser. Stable across JVMs and releases (it is part of the audit's checksums).
     */
    public static long idHash(String impressionId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < impressionId.length(); i++) {
            h ^= impressionId.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h;
    }

    @Override
    public String toString() {
        return "EncodedSamples{n=" + n + ", steps=" + (steps == null ? 0 : steps.length) + ", nonFinite=" + nonFinite
                + "}";
    }
}
