package io.counterflow.model.feedback;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.EncodedBatch;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The trainer's side of a labeling policy: the importance weight w of each row's label terms, so that the
 * weighted risk over the emitted rows equals, in expectation, the risk over the impressions with their final
 * labels (derivation: docs/delayed-feedback.md). With p = P(conversion within the window | click, x) taken from
 * the model's own pCVR before the step (a constant: no gradient) and S = S(c) from the {@link DelayModel}:
 *
 * <ul>
 *   <li>{@code wait}, {@code oracle}: every row final, w = 1.
 *   <li>{@code fnw} (c = 0, S = 1) and {@code es-dfm}: a positive row (FIRST (1,1) or CORRECTION) w = 1; a
 *       provisional negative (FIRST (1,0)) w = f_rn = (1 − p)/(1 − p + p·S), the probability that it is a real
 *       negative. (The papers' weights are these times 1 + f_dp(x), f_dp = p·S, which is unbiased only under
 *       their approximation b(x) ≈ q(x); these are exact.)
 *   <li>{@code defer} (every clicked impression has two rows): positive rows w = 1/(2 − S), negative rows (the
 *       provisional FIRST and the final FINAL_COPY) w = (1 − p)/(2(1 − p) + p·S).
 * </ul>
 * Unclicked rows are final: w = 1. Rows of {@code es-dfm}/{@code defer} are weighted with S = 1 until the
 * delay model is {@link DelayModel#ready() ready}; such rows are counted as warm-up. p is clipped into [0.001,
 * 0.999]. Not thread-safe; allocation-free.
 */
public final class FeedbackCorrection {
    private static final double P_MIN = 1e-3;

    private final Labeling labeling;
    private DelayModel delays;

    // Running statistics of the weights (for metrics), since construction or restore.
    private long weightedRows;
    private long warmupRows;
    private double weightSum;
    private double minWeight = Double.POSITIVE_INFINITY;
    private double maxWeight;
    private double lastSurvival = Double.NaN;

    /** @param windowMs attribution window; @param elapsedMs the policy's waiting time c (fnw: 0) */
    public FeedbackCorrection(Labeling labeling, long windowMs, long elapsedMs) {
        this.labeling = labeling;
        this.delays = new DelayModel(windowMs, labeling == Labeling.FNW ? 0 : elapsedMs);
    }

    public Labeling labeling() {
        return labeling;
    }

    public DelayModel delayModel() {
        return delays;
    }

    /** Whether rows need weights at all (every policy but wait and oracle). */
    public boolean corrects() {
        return labeling != Labeling.WAIT && labeling != Labeling.ORACLE;
    }

    /**
     * Sets {@code b.labelWeight} of rows [0, n) from their emission and labels and the model's pCVR (before the
     * step), then feeds the rows' clicks and conversions to the delay model (after weighting: the weights of a
     * batch never depend on the batch itself).
     */
    public void weigh(LabeledSample[] rows, int off, int n, float[] pCvr, EncodedBatch b) {
        if (!corrects()) {
            return;
        }
        boolean ready = labeling == Labeling.FNW || delays.ready();
        double s = labeling == Labeling.FNW ? 1 : delays.survival();
        lastSurvival = s;
        for (int i = 0; i < n; i++) {
            LabeledSample r = rows[off + i];
            if (r.click == 0) {
                b.labelWeight[i] = 1f;
                continue;
            }
            double p = Math.min(Math.max(pCvr[i], P_MIN), 1 - P_MIN);
            double w = weight(labeling, r.emission, r.conversion == 1, p, s);
            b.labelWeight[i] = (float) w;
            weightedRows++;
            warmupRows += ready ? 0 : 1;
            weightSum += w;
            minWeight = Math.min(minWeight, w);
            maxWeight = Math.max(maxWeight, w);
        }
        for (int i = 0; i < n; i++) {
            observe(rows[off + i]);
        }
    }

    /** The importance weight of a clicked row (see the class comment). */
    static double weight(Labeling l, Emission e, boolean positive, double p, double s) {
        Emission kind = e == null ? Emission.FINAL : e;
        if (kind == Emission.FINAL) {
            return 1;
        }
        switch (l) {
            case FNW:
            case ES_DFM:
                return positive ? 1 : (1 - p) / (1 - p + p * s);
            case DEFER:
                return positive ? 1 / (2 - s) : (1 - p) / (2 * (1 - p) + p * s);
            default:
                return 1;
        }
    }

    private void observe(LabeledSample r) {
        Emission e = r.emission == null ? Emission.FINAL : r.emission;
        if (r.click == 1 && r.clickTs != 0 && e == Emission.FIRST) {
            delays.observeClick(r.clickTs);
        }
        if (r.conversion == 1 && r.clickTs != 0 && r.conversionTs != 0
                && (e == Emission.FIRST || e == Emission.CORRECTION)) {
            long seenAt = Math.max(r.conversionTs, r.clickTs + delays.elapsedMs());
            delays.observeConversion(r.conversionTs - r.clickTs, seenAt);
        }
    }

    /** Rows weighted so far (clicked rows of a correcting policy). */
    public long weightedRows() {
        return weightedRows;
    }

    /** Weighted rows whose policy fell back to fnw weights because the delay model was not ready. */
    public long warmupRows() {
        return warmupRows;
    }

    public double meanWeight() {
        return weightedRows == 0 ? Double.NaN : weightSum / weightedRows;
    }

    public double minWeight() {
        return weightedRows == 0 ? Double.NaN : minWeight;
    }

    public double maxWeight() {
        return weightedRows == 0 ? Double.NaN : maxWeight;
    }

    /** S(c) used for the last batch (NaN before the first). */
    public double lastSurvival() {
        return lastSurvival;
    }

    /** Writes the delay model (the learned state; the weight statistics restart). */
    public void write(DataOutput out) throws IOException {
        delays.write(out);
    }

    /** Restores the delay model written by {@link #write}. */
    public void read(DataInput in) throws IOException {
        delays = DelayModel.read(in, delays.windowMs(), delays.elapsedMs());
    }
}
