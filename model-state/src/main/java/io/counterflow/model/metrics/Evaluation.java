package io.counterflow.model.metrics;

import io.counterflow.model.data.LabeledSample;

/**
 * Accumulates per-sample labels and predictions, then computes the evaluation the ESMM/ESCM²/DCMT papers
 * report (see {@link EvaluationResult} for the metrics and their sample spaces). Appends go to growable
 * primitive arrays (about 20 bytes per sample). Not thread-safe.
 */
public final class Evaluation {
    private final FloatArray click = new FloatArray();
    private final FloatArray conversion = new FloatArray();
    private final FloatArray pCtr = new FloatArray();
    private final FloatArray pCvr = new FloatArray();
    private final FloatArray truthCvr = new FloatArray();
    private long withTruth;
    private final double propensityClip;

    /** An evaluation whose propensity diagnostics clip pCTR into [ε, 1−ε] with the default ε. */
    public Evaluation() {
        this(io.counterflow.model.objective.Propensity.EPSILON.defaultValue);
    }

    /** An evaluation whose propensity diagnostics clip pCTR into [ε, 1−ε] with {@code propensityClip}. */
    public Evaluation(double propensityClip) {
        this.propensityClip = propensityClip;
    }

    /** Adds one sample without ground truth. */
    public void add(int click, int conversion, float pCtr, float pCvr) {
        append(click, conversion, pCtr, pCvr);
        truthCvr.add(0f);
    }

    /** Adds one sample whose true counterfactual CVR q = P(conversion | do(click = 1), x) is {@code truthCvr}. */
    public void add(int click, int conversion, float pCtr, float pCvr, double truthCvr) {
        if (!(truthCvr >= 0 && truthCvr <= 1)) {
            throw new IllegalArgumentException("truthCvr = " + truthCvr + ", expected a probability in [0,1]");
        }
        append(click, conversion, pCtr, pCvr);
        this.truthCvr.add((float) truthCvr);
        withTruth++;
    }

    /** Adds {@code s} with its predictions, using {@code s.truth.cvr} when the sample carries truth. */
    public void add(LabeledSample s, float pCtr, float pCvr) {
        if (s.truth != null) {
            add(s.click, s.conversion, pCtr, pCvr, s.truth.cvr);
        } else {
            add(s.click, s.conversion, pCtr, pCvr);
        }
    }

    /** Evaluates arrays {@code [0, n)}; {@code truthCvr} may be null (no ground truth). */
    public static EvaluationResult of(int[] click, int[] conversion, float[] pCtr, float[] pCvr, float[] truthCvr,
            int n) {
        Evaluation e = new Evaluation();
        for (int i = 0; i < n; i++) {
            if (truthCvr == null) {
                e.add(click[i], conversion[i], pCtr[i], pCvr[i]);
            } else {
                e.add(click[i], conversion[i], pCtr[i], pCvr[i], truthCvr[i]);
            }
        }
        return e.result();
    }

    /** Number of samples added. */
    public int size() {
        return click.size();
    }

    private void append(int click, int conversion, float pCtr, float pCvr) {
        if ((click != 0 && click != 1) || (conversion != 0 && conversion != 1) || conversion > click) {
            throw new IllegalArgumentException("labels click=" + click + ", conversion=" + conversion
                    + ": expected 0/1 with conversion <= click");
        }
        this.click.add(click);
        this.conversion.add(conversion);
        this.pCtr.add(pCtr);
        this.pCvr.add(pCvr);
    }

    /** Computes all metrics over the samples added so far. */
    public EvaluationResult result() {
        int n = click.size();
        float[] y = click.array();
        float[] z = conversion.array();
        float[] pc = pCtr.array();
        float[] pv = pCvr.array();
        long clicks = 0;
        long conversions = 0;
        for (int i = 0; i < n; i++) {
            clicks += (long) y[i];
            conversions += (long) z[i];
        }
        BinaryMetrics ctr = BinaryMetrics.of(pc, y, n);

        int m = (int) clicks;
        float[] cvrScores = new float[m];
        float[] cvrLabels = new float[m];
        for (int i = 0, k = 0; i < n; i++) {
            if (y[i] == 1f) {
                cvrScores[k] = pv[i];
                cvrLabels[k++] = z[i];
            }
        }
        BinaryMetrics cvr = BinaryMetrics.of(cvrScores, cvrLabels, m);

        float[] ctcvrScores = new float[n];
        for (int i = 0; i < n; i++) {
            ctcvrScores[i] = pc[i] * pv[i];
        }
        BinaryMetrics ctcvr = BinaryMetrics.of(ctcvrScores, z, n);

        EvaluationResult.EntireSpace entire = null;
        if (n > 0 && withTruth == n) {
            float[] q = truthCvr.array();
            double meanPred = BinaryMetrics.mean(pv, n);
            double meanTruth = BinaryMetrics.mean(q, n);
            entire = new EvaluationResult.EntireSpace(meanPred, meanTruth, meanPred - meanTruth,
                    Auc.expected(pv, q, n));
        }
        // IPS weights w = 1/clip(pCTR) of the clicked samples, as a propensity-weighted objective would use them.
        double sw = 0;
        double sw2 = 0;
        double maxW = 0;
        long clippedCount = 0;
        for (int i = 0; i < n; i++) {
            double p = pc[i];
            if (p < propensityClip || p > 1 - propensityClip) {
                clippedCount++;
            }
            if (y[i] == 1f) {
                double w = 1.0 / Math.min(Math.max(p, propensityClip), 1 - propensityClip);
                sw += w;
                sw2 += w * w;
                maxW = Math.max(maxW, w);
            }
        }
        double ess = sw2 == 0 ? 0 : sw * sw / sw2;
        EvaluationResult.PropensityDiagnostics prop = new EvaluationResult.PropensityDiagnostics(
                n == 0 ? 0 : (double) clippedCount / n, ess, clicks == 0 ? Double.NaN : ess / clicks, maxW);
        return new EvaluationResult(n, clicks, conversions, ctr, cvr, ctcvr, entire, prop);
    }
}
