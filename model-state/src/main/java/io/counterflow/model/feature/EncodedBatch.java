package io.counterflow.model.feature;

/**
 * A batch in the model's input encoding: batch-major primitive arrays, no per-sample objects, reused across
 * batches (capacity is fixed at construction, {@link #n} is the active size).
 *
 * <p>Table rows are de-duplicated per batch: {@code uniqueRows[0 .. uniqueCount)} lists every embedding row
 * the batch touches, in order of first occurrence (so the update order is deterministic), and every
 * occurrence refers to its row by slot (an index into that list). The backward pass scatter-adds into one
 * gradient row per slot and the optimiser updates exactly those rows (lazy/sparse update).
 */
public final class EncodedBatch {
    public final int capacity;
    /** Single-valued categorical fields, multi-valued fields, numeric fields. */
    public final int catFields;
    public final int multiFields;
    public final int numFields;

    /** Active samples. */
    public int n;
    /** catSlots[i · catFields + f]: slot of sample i's row for field f. */
    public final int[] catSlots;
    /** mvStart[i · multiFields + f] .. mvStart[i · multiFields + f + 1]: range in mvSlots. */
    public final int[] mvStart;
    /** Slots of multi-valued entries; grows when needed (outside the steady state). */
    public int[] mvSlots;
    /** numeric[i · numFields + f]: standardised numeric value. */
    public final float[] numeric;
    /** Labels in {0, 1}. */
    public final float[] click;
    public final float[] conversion;
    /** True counterfactual conversion probability q(x) when the data carry it (evaluation only). */
    public final float[] truthCvr;
    /** True click propensity p(x) when the data carry it (the oracle-propensity diagnostic only). */
    public final float[] truthCtr;
    public boolean hasTruth;
    /**
     * Per row: the weight of the terms that do not depend on the conversion label (L_CTR and the like): 1 for an
     * impression's FINAL or FIRST row, 0 for its later copies, so every impression has one CTR term.
     */
    public final float[] impressionWeight;
    /**
     * Per row: the weight of the terms that depend on the (possibly provisional) labels: 1 for final labels;
     * a delayed-feedback importance weight for a clicked row of an early-emitting policy (set by the trainer's
     * {@link io.counterflow.model.feedback.FeedbackCorrection}).
     */
    public final float[] labelWeight;
    /** Whether some clicked row's conversion label is provisional (a FIRST row with conversion 0). */
    public boolean provisionalLabels;

    /** Distinct table rows touched by this batch, in order of first occurrence. */
    public int[] uniqueRows;
    public int uniqueCount;

    public EncodedBatch(int capacity, int catFields, int multiFields, int numFields) {
        this(capacity, catFields, multiFields, numFields, Math.max(16, capacity * multiFields * 4),
                Math.max(16, capacity * (catFields + multiFields * 4)));
    }

    /**
     * A batch whose multi-valued slots and unique rows start at the given capacities (at least 1; both grow when
     * needed): exact sizes for a batch read back from its serialised form.
     */
    public EncodedBatch(int capacity, int catFields, int multiFields, int numFields, int mvCapacity,
            int uniqueCapacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("batch capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.catFields = catFields;
        this.multiFields = multiFields;
        this.numFields = numFields;
        this.catSlots = new int[capacity * catFields];
        this.mvStart = new int[capacity * multiFields + 1];
        this.mvSlots = new int[Math.max(1, mvCapacity)];
        this.numeric = new float[capacity * numFields];
        this.click = new float[capacity];
        this.conversion = new float[capacity];
        this.truthCvr = new float[capacity];
        this.truthCtr = new float[capacity];
        this.impressionWeight = new float[capacity];
        this.labelWeight = new float[capacity];
        java.util.Arrays.fill(impressionWeight, 1f);
        java.util.Arrays.fill(labelWeight, 1f);
        this.uniqueRows = new int[Math.max(1, uniqueCapacity)];
    }

    /** Width of the model's input row: (catFields + multiFields) · dim + numFields. */
    public int inputWidth(int dim) {
        return (catFields + multiFields) * dim + numFields;
    }

    /** Number of clicked samples among the active ones. */
    public int clicks() {
        int c = 0;
        for (int i = 0; i < n; i++) {
            c += click[i] > 0.5f ? 1 : 0;
        }
        return c;
    }
}
