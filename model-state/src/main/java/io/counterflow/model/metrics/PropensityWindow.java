package io.counterflow.model.metrics;

import io.counterflow.model.objective.LossTerms;

/**
 * Propensity diagnostics of the IPS weights w = 1/ô_c over the last {@code capacity} training batches (not the
 * last batch alone): the share of clipped propensities, the effective sample size ESS = (Σw)²/Σw² of the
 * clicked samples' weights, ESS as a share of those clicks, and the largest weight. A low ESS share means a few
 * clicks with tiny propensities carry the CVR loss: its variance is high and the clip ε matters.
 * Allocation-free after construction; not thread-safe.
 */
public final class PropensityWindow {
    /** Below this ESS share of the window's clicks {@link #lowEffectiveSampleSize()} is true. */
    public static final double LOW_ESS_SHARE = 0.1;

    private final long[] samples;
    private final long[] clicks;
    private final long[] clipped;
    private final double[] sumW;
    private final double[] sumW2;
    private final double[] maxW;
    private int next;
    private int filled;

    public PropensityWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("window of " + capacity + " batches");
        }
        samples = new long[capacity];
        clicks = new long[capacity];
        clipped = new long[capacity];
        sumW = new double[capacity];
        sumW2 = new double[capacity];
        maxW = new double[capacity];
    }

    /** Adds one batch's terms (of a propensity-weighted objective; others add zeros). */
    public void add(LossTerms t) {
        samples[next] = t.samples;
        clicks[next] = t.clicks;
        clipped[next] = t.clippedPropensities;
        sumW[next] = t.weightSum;
        sumW2[next] = t.weightSquareSum;
        maxW[next] = t.maxWeight;
        next = (next + 1) % samples.length;
        filled = Math.min(filled + 1, samples.length);
    }

    /** Batches in the window. */
    public int batches() {
        return filled;
    }

    /** Clipped propensities per sample in the window (0 when empty). */
    public double clipFraction() {
        long n = 0;
        long c = 0;
        for (int i = 0; i < filled; i++) {
            n += samples[i];
            c += clipped[i];
        }
        return n == 0 ? 0 : (double) c / n;
    }

    /** (Σw)²/Σw² over the window's clicked samples (0 when there are none). */
    public double effectiveSampleSize() {
        double s = 0;
        double s2 = 0;
        for (int i = 0; i < filled; i++) {
            s += sumW[i];
            s2 += sumW2[i];
        }
        return s2 == 0 ? 0 : s * s / s2;
    }

    /** ESS divided by the window's clicks: 1 for equal weights, small when a few weights dominate (NaN: none). */
    public double effectiveShare() {
        long c = 0;
        for (int i = 0; i < filled; i++) {
            c += clicks[i];
        }
        return c == 0 || effectiveSampleSize() == 0 ? Double.NaN : effectiveSampleSize() / c;
    }

    /** The largest weight in the window. */
    public double maxWeight() {
        double m = 0;
        for (int i = 0; i < filled; i++) {
            m = Math.max(m, maxW[i]);
        }
        return m;
    }

    /** Whether the ESS share is under {@link #LOW_ESS_SHARE}. */
    public boolean lowEffectiveSampleSize() {
        double s = effectiveShare();
        return !Double.isNaN(s) && s < LOW_ESS_SHARE;
    }

    /** One line for progress output: {@code clip=0.3% ess=41% wmax=23.1}. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "clip=%.1f%% ess=%.0f%% wmax=%.1f%s", 100 * clipFraction(),
                100 * effectiveShare(), maxWeight(), lowEffectiveSampleSize() ? " (LOW ESS)" : "");
    }
}
