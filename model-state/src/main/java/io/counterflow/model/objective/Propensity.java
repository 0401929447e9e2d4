package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.List;
import org.apache.flink.ml.param.BooleanParam;
import org.apache.flink.ml.param.DoubleParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.ParamValidators;
import org.apache.flink.ml.param.StringParam;

/**
 * The propensity ô_c = clip(σ(z_ctr), ε, 1−ε) of the objectives that weight the CVR loss by it (IPS, DR, DCMT):
 * its settings, the stop-gradient into the CTR tower, and the batch's weight diagnostics (Σw, Σw², max w over
 * the clicked samples, w = 1/ô_c; the effective sample size is (Σw)²/Σw²).
 */
public final class Propensity {
    public static final Param<Double> EPSILON = new DoubleParam("propensity-clip",
            "ε: the CTR prediction is clipped into [ε, 1−ε] wherever it weights a loss (IPS, DR, DCMT).", 0.01,
            ParamValidators.inRange(0, 0.5, false, false));
    public static final Param<Boolean> CTR_GRADIENT_FROM_CVR = new BooleanParam("ctr-gradient-from-cvr",
            "Whether the CVR risk's gradient flows into the CTR tower through the propensity ô. Default false: "
                    + "stopped, as the ESCM² authors advise (the CVR loss would otherwise bias the CTR estimate).",
            false);
    public static final Param<String> PROPENSITY_SOURCE = new StringParam("propensity-source",
            "Where the propensity that weights the CVR loss comes from: model (the CTR tower's ô, always in "
                    + "production) or truth (the data's truth.ctr; a diagnostic for simulated data: shows what the "
                    + "debiasing objectives do with an exact propensity; every sample must carry truth).",
            "model", ParamValidators.inArray("model", "truth"));

    /** The settings every propensity-weighted objective reads. */
    public static final List<Param<?>> PARAMS = List.of(EPSILON, CTR_GRADIENT_FROM_CVR, PROPENSITY_SOURCE);

    final double epsilon;
    final boolean ctrGradientFromCvr;
    final boolean truth;

    Propensity(Settings s) {
        this.epsilon = s.get(EPSILON);
        this.ctrGradientFromCvr = s.get(CTR_GRADIENT_FROM_CVR);
        this.truth = s.get(PROPENSITY_SOURCE).equals("truth");
    }

    /** ô_c of sample i: the CTR tower's ô, or the data's true p under propensity-source truth. */
    double clipped(float[] zctr, EncodedBatch b, int i) {
        if (truth) {
            if (!b.hasTruth) {
                throw new IllegalArgumentException("propensity-source truth needs truth.ctr on every sample");
            }
            return Math.min(Math.max(b.truthCtr[i], epsilon), 1 - epsilon);
        }
        double p = AbstractObjective.sigmoid(zctr[i]);
        return Math.min(Math.max(p, epsilon), 1 - epsilon);
    }

    /**
     * Adds ∂L/∂ô_c (in {@code dProp}) to ∂L/∂z_ctr where the CVR risk may train the CTR tower and ô was not
     * clipped, and records the clip count and the IPS weight diagnostics of the clicked samples in {@code out}.
     */
    void finish(float[] zctr, EncodedBatch b, float[] dzctr, double[] dProp, boolean main, LossTerms out) {
        double sw = 0;
        double sw2 = 0;
        double maxW = 0;
        for (int i = 0; i < b.n; i++) {
            double p = AbstractObjective.sigmoid(zctr[i]);
            boolean clipped = p < epsilon || p > 1 - epsilon;
            if (clipped) {
                out.clippedPropensities++;
            } else if (ctrGradientFromCvr && !truth && main && dProp[i] != 0) {
                dzctr[i] = (float) (dzctr[i] + dProp[i] * p * (1 - p));
            }
            if (b.click[i] > 0.5f && b.impressionWeight[i] > 0) {
                // Impression rows only: a copy of a clicked row is not another clicked impression.
                double w = 1.0 / clipped(zctr, b, i);
                sw += w;
                sw2 += w * w;
                maxW = Math.max(maxW, w);
            }
        }
        out.weightSum = sw;
        out.weightSquareSum = sw2;
        out.maxWeight = maxW;
    }
}
