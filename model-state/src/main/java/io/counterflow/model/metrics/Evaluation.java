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
        return new EvaluationResult(n, clicks, conversions, ctr, cvr, ctcvr, entire);
    }
}
