package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.EnumSet;
import java.util.List;
import org.apache.flink.ml.param.DoubleParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.ParamValidators;

/**
 * DCMT (Zhu et al., ICDE 2023) and its ablations, on a twin CVR tower: the factual head r̂ (Head.CVR) and the
 * counterfactual head r̂* (Head.COUNTERFACTUAL) on a shared trunk. L = L_CTR + w_cvr·E + w_ctcvr·L_CTCVR with
 * E = Σ_O w⁺δ + Σ_N w⁻BCE(1−r, r̂*) + λ1·mean_D|1−(r̂+r̂*)| (Eq. 9), self-normalised weights (Eq. 13)
 * w⁺ = (1/ô_c)/Σ_O(1/ô_c), w⁻ = (1/(1−ô_c))/Σ_N(1/(1−ô_c)).
 * <ul>
 *   <li>{@code dcmt}: as above.
 *   <li>{@code dcmt-pd} (propensity debiasing only): r̂* is fitted to r (not 1−r) on N, no regulariser.
 *   <li>{@code dcmt-cf} (counterfactual only): uniform weights 1/|O| and 1/|N| instead of w⁺, w⁻.
 * </ul>
 */
public final class DcmtObjective extends AbstractObjective {
    public static final Param<Double> LAMBDA_1 = new DoubleParam("lambda-1",
            "λ1: weight of DCMT's counterfactual regulariser mean_D|1−(r̂+r̂*)| (DCMT Eq. 9).", 0.001,
            ParamValidators.gtEq(0));
    public static final Param<Double> W_CVR = new DoubleParam("w-cvr",
            "w_cvr: weight of DCMT's CVR loss E (DCMT Eq. 14).", 1.0, ParamValidators.gtEq(0));
    public static final Param<Double> W_CTCVR = new DoubleParam("w-ctcvr",
            "w_ctcvr: weight of the CTCVR loss in the DCMT objectives (DCMT Eq. 14).", 1.0,
            ParamValidators.gtEq(0));

    /** The variants. */
    public enum Variant {
        FULL("dcmt", "DCMT: L_CTR + w_cvr·E + w_ctcvr·L_CTCVR", true, true),
        PROPENSITY_ONLY("dcmt-pd", "DCMT without the counterfactual mechanism (ablation)", true, false),
        COUNTERFACTUAL_ONLY("dcmt-cf", "DCMT without propensity weights (ablation)", false, true);

        final String name;
        final String description;
        final boolean weighted;
        final boolean counterfactual;

        Variant(String name, String description, boolean weighted, boolean counterfactual) {
            this.name = name;
            this.description = description;
            this.weighted = weighted;
            this.counterfactual = counterfactual;
        }
    }

    private final boolean weighted;
    private final boolean counterfactual;
    private final double lambda1;
    private final double wCvr;
    private final double wCtcvr;

    public DcmtObjective(Settings s, Variant v) {
        super(v.name, s, EnumSet.of(Head.COUNTERFACTUAL), v.weighted,
                v.counterfactual ? List.of(LAMBDA_1, W_CVR, W_CTCVR) : List.of(W_CVR, W_CTCVR));
        this.weighted = v.weighted;
        this.counterfactual = v.counterfactual;
        this.lambda1 = s.get(LAMBDA_1);
        this.wCvr = s.get(W_CVR);
        this.wCtcvr = s.get(W_CTCVR);
    }

    /** r̂* fits 1 − r on unclicked samples (dcmt-pd: r), so it starts at 1 − cvr (dcmt-pd: cvr). */
    @Override
    public double initialLogit(Head h, double ctr, double cvr) {
        if (h == Head.COUNTERFACTUAL && counterfactual) {
            return super.initialLogit(Head.CVR, ctr, 1 - cvr);
        }
        return super.initialLogit(h == Head.COUNTERFACTUAL ? Head.CVR : h, ctr, cvr);
    }

    @Override
    protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        float[] zo = z[CTR];
        float[] zr = z[CVR];
        float[] zc = z[CF];
        float[] dzr = dz[CVR];
        float[] dzc = dz[CF];
        boolean main = phase.trainsMain();
        int n = b.n;
        double su = 0;
        double sv = 0;
        for (int i = 0; i < n; i++) {
            double p = weighted ? propensity.clipped(zo, b, i) : 0.5;
            // weight = w_i·u_i: the row weight times the propensity weight (u = 1/ô_c on O, 1/(1−ô_c) on N).
            if (b.click[i] > 0.5f) {
                weight[i] = labelWeight[i] * (weighted ? 1.0 / p : 1.0);
                su += weight[i];
            } else {
                weight[i] = labelWeight[i] * (weighted ? 1.0 / (1 - p) : 1.0);
                sv += weight[i];
            }
        }
        double fo = 0;
        double fn = 0;
        for (int i = 0; i < n; i++) {
            double r = b.conversion[i];
            if (b.click[i] > 0.5f) {
                delta[i] = bceLogit(r, zr[i]);
                fo += weight[i] * delta[i];
            } else {
                double target = counterfactual ? 1 - r : r;
                delta[i] = bceLogit(target, zc[i]);
                fn += weight[i] * delta[i];
            }
        }
        fo = su == 0 ? 0 : fo / su;
        fn = sv == 0 ? 0 : fn / sv;
        double wc = wCvr;
        out.cvr = wc * (fo + fn);
        double invN = 1.0 / impressions;
        double reg = 0;
        for (int i = 0; i < n; i++) {
            double r = b.conversion[i];
            double p1 = sigmoid(zr[i]);
            double p2 = sigmoid(zc[i]);
            double wi = labelWeight[i];
            if (b.click[i] > 0.5f) {
                double wu = weight[i];
                if (main) {
                    dzr[i] = (float) (dzr[i] + wc * wu / su * (p1 - r));
                }
                if (weighted) {
                    // ∂F⁺/∂u_i = w_i(δ_i − F⁺)/Σwu, ∂u/∂ô_c = −u².
                    double u = 1.0 / propensity.clipped(zo, b, i);
                    dPropensity[i] += wc * wi * (delta[i] - fo) / su * (-u * u);
                }
            } else {
                double wv = weight[i];
                double target = counterfactual ? 1 - r : r;
                if (main) {
                    dzc[i] = (float) (dzc[i] + wc * wv / sv * (p2 - target));
                }
                if (weighted) {
                    // ∂F⁻/∂v_i = w_i(δ_i − F⁻)/Σwv, ∂v/∂ô_c = +v².
                    double v = 1.0 / (1 - propensity.clipped(zo, b, i));
                    dPropensity[i] += wc * wi * (delta[i] - fn) / sv * (v * v);
                }
            }
            if (counterfactual && lambda1 > 0) {
                double gap = 1 - (p1 + p2);
                double ai = impressionWeight[i];
                reg += ai * Math.abs(gap);
                double g = -Math.signum(gap) * lambda1 * ai * invN * wc;
                if (g != 0 && main) {
                    dzr[i] = (float) (dzr[i] + g * p1 * (1 - p1));
                    dzc[i] = (float) (dzc[i] + g * p2 * (1 - p2));
                }
            }
        }
        out.counterfactual = counterfactual ? wc * lambda1 * reg * invN : 0;
        out.ctcvr = ctcvr(zo, zr, b, dz[CTR], dzr, wCtcvr, main);
    }
}
