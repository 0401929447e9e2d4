package io.counterflow.model.metrics;

/** Exact ROC AUC by sorting, ties handled as average ranks; see {@link BinaryMetrics} for the other metrics. */
public final class Auc {
    private Auc() {}

    /**
     * AUC = P(s⁺ > s⁻) + ½·P(s⁺ = s⁻) over 0/1 {@code labels[0, n)}. NaN when only one class is present (AUC
     * is undefined then), when n = 0 or when a score is NaN. O(n log n).
     */
    public static double exact(float[] scores, float[] labels, int n) {
        BinaryMetrics.checkLabels(labels, n);
        return BinaryMetrics.rankMetrics(scores, labels, null, n)[0];
    }

    /**
     * AUC against potential outcomes y_i ~ Bernoulli(q_i), defined as the ratio of expectations
     * E[concordant pairs] / E[positive–negative pairs]: sample i is a positive of weight q_i and a negative of
     * weight 1 − q_i, and AUC = Σ_{i≠j} q_i (1 − q_j) ([s_i > s_j] + ½ [s_i = s_j]) / Σ_{i≠j} q_i (1 − q_j).
     * Equals {@link #exact} when every q_i ∈ {0,1}. Used for CVR over the entire exposure space, where the
     * outcome of unclicked impressions is never observed but its probability q is known in simulation. NaN
     * when there are no such pairs, n = 0 or a score is NaN.
     */
    public static double expected(float[] scores, float[] q, int n) {
        for (int i = 0; i < n; i++) {
            if (!(q[i] >= 0f && q[i] <= 1f)) {
                throw new IllegalArgumentException("q[" + i + "] = " + q[i] + ", expected a probability in [0,1]");
            }
        }
        return BinaryMetrics.rankMetrics(scores, q, null, n)[0];
    }

    /**
     * Weighted AUC: sample i is a positive of weight {@code pos[i]} and a negative of weight {@code neg[i]}
     * (both ≥ 0); pairs i ≠ j, ties count ½. NaN when there are no pairs of positive weight.
     */
    public static double weighted(float[] scores, float[] pos, float[] neg, int n) {
        for (int i = 0; i < n; i++) {
            if (!(pos[i] >= 0f) || !(neg[i] >= 0f)) {
                throw new IllegalArgumentException("weights of sample " + i + " must be >= 0: " + pos[i] + ", " + neg[i]);
            }
        }
        return BinaryMetrics.rankMetrics(scores, pos, neg, n)[0];
    }
}
