package io.counterflow.model.metrics;

import java.util.Arrays;

/**
 * Ranking and calibration metrics of scores against binary (or, for AUC, probabilistic) labels, computed
 * from one sort of the scores. A positive of weight {@code wp[i]} and a negative of weight {@code wn[i]} per
 * sample generalises 0/1 labels ({@code wp = y, wn = 1 - y}). Ties are grouped: samples with equal scores
 * share a threshold, which is what average ranks give for AUC.
 *
 * <p>NaN conventions: AUC, KS and F1/recall are NaN when one class has no weight (only positives or only
 * negatives) or when any score is NaN; all metrics are NaN for zero samples.
 */
public final class BinaryMetrics {
    /** Log loss clips predictions into [{@value #EPS}, 1 - {@value #EPS}]. */
    public static final double EPS = 1e-7;

    private final long samples;
    private final double auc;
    private final double ks;
    private final double f1;
    private final double recall;
    private final double threshold;
    private final double logLoss;
    private final double meanPrediction;
    private final double meanLabel;

    private BinaryMetrics(long samples, double auc, double ks, double f1, double recall, double threshold,
            double logLoss, double meanPrediction, double meanLabel) {
        this.samples = samples;
        this.auc = auc;
        this.ks = ks;
        this.f1 = f1;
        this.recall = recall;
        this.threshold = threshold;
        this.logLoss = logLoss;
        this.meanPrediction = meanPrediction;
        this.meanLabel = meanLabel;
    }

    /** All metrics of {@code scores[0, n)} against 0/1 {@code labels[0, n)}. */
    public static BinaryMetrics of(float[] scores, float[] labels, int n) {
        checkLabels(labels, n);
        double[] rank = rankMetrics(scores, labels, null, n);
        return new BinaryMetrics(n, rank[0], rank[1], rank[2], rank[3], rank[4], logLoss(scores, labels, n),
                mean(scores, n), mean(labels, n));
    }

    /** Number of samples. */
    public long samples() {
        return samples;
    }

    /** Exact ROC AUC = P(score of a random positive > that of a random negative) + ½ P(tie). */
    public double auc() {
        return auc;
    }

    /** Kolmogorov–Smirnov statistic = max over thresholds of |TPR − FPR|. */
    public double ks() {
        return ks;
    }

    /** Best F1 = max over thresholds t of 2·TP / (2·TP + FP + FN), predicting positive when score ≥ t. */
    public double f1() {
        return f1;
    }

    /** Recall TP / (TP + FN) at the best-F1 threshold. */
    public double recall() {
        return recall;
    }

    /** The best-F1 threshold (the highest one among ties in F1). */
    public double threshold() {
        return threshold;
    }

    /** Mean binary cross-entropy −[y·ln p + (1−y)·ln(1−p)], p clipped into [1e-7, 1 − 1e-7]. */
    public double logLoss() {
        return logLoss;
    }

    /** Mean score. */
    public double meanPrediction() {
        return meanPrediction;
    }

    /** Mean label (the positive rate). */
    public double meanLabel() {
        return meanLabel;
    }

    /** Mean of {@code x[0, n)}; NaN when n = 0. */
    public static double mean(float[] x, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[i];
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Mean log loss −[y·ln p + (1−y)·ln(1−p)] with p clipped into [1e-7, 1 − 1e-7]; NaN when n = 0. */
    public static double logLoss(float[] p, float[] y, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double q = p[i];
            q = q < EPS ? EPS : q > 1 - EPS ? 1 - EPS : q;
            sum -= y[i] * Math.log(q) + (1 - y[i]) * Math.log1p(-q);
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    static void checkLabels(float[] labels, int n) {
        for (int i = 0; i < n; i++) {
            if (labels[i] != 0f && labels[i] != 1f) {
                throw new IllegalArgumentException("label[" + i + "] = " + labels[i] + ", expected 0 or 1");
            }
        }
    }

    /**
     * {auc, ks, f1, recall, threshold} with positive weights {@code pos[i]} and negative weights
     * {@code neg == null ? 1 - pos[i] : neg[i]}.
     */
    static double[] rankMetrics(float[] scores, float[] pos, float[] neg, int n) {
        double[] nan = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        if (n == 0) {
            return nan;
        }
        long[] keys = new long[n];
        double totalPos = 0;
        double totalNeg = 0;
        double selfPairs = 0; // sum of pos_i * neg_i: a sample is never paired with itself
        for (int i = 0; i < n; i++) {
            float s = scores[i];
            if (Float.isNaN(s)) {
                return nan;
            }
            int bits = Float.floatToIntBits(s + 0.0f); // + 0.0f folds -0.0 into 0.0
            int sortable = bits ^ ((bits >> 31) & 0x7fffffff); // float order as signed-int order
            keys[i] = ((long) sortable << 32) | i;
            double wn = neg == null ? 1 - pos[i] : neg[i];
            totalPos += pos[i];
            totalNeg += wn;
            selfPairs += pos[i] * wn;
        }
        if (totalPos <= 0 || totalNeg <= 0) {
            return nan;
        }
        Arrays.sort(keys);
        // Descending walk, one group of equal scores at a time.
        double tp = 0;
        double fp = 0;
        double aucSum = 0; // sum over groups of posInGroup * (negatives strictly below + ½ negInGroup)
        double ks = 0;
        double bestF1 = -1;
        double bestRecall = Double.NaN;
        double bestThreshold = Double.NaN;
        int end = n - 1;
        while (end >= 0) {
            int hi = (int) (keys[end] >> 32);
            double gp = 0;
            double gn = 0;
            int start = end;
            while (start >= 0 && (int) (keys[start] >> 32) == hi) {
                int i = (int) keys[start];
                gp += pos[i];
                gn += neg == null ? 1 - pos[i] : neg[i];
                start--;
            }
            double negBelow = totalNeg - fp - gn;
            aucSum += gp * (negBelow + 0.5 * gn);
            tp += gp;
            fp += gn;
            ks = Math.max(ks, Math.abs(tp / totalPos - fp / totalNeg));
            double f1 = 2 * tp / (tp + fp + totalPos);
            if (f1 > bestF1) {
                bestF1 = f1;
                bestRecall = tp / totalPos;
                bestThreshold = scores[(int) keys[end]];
            }
            end = start;
        }
        double pairs = totalPos * totalNeg - selfPairs;
        double auc = pairs > 1e-12 * totalPos * totalNeg ? (aucSum - 0.5 * selfPairs) / pairs : Double.NaN;
        return new double[] {auc, ks, bestF1, bestRecall, bestThreshold};
    }
}
