package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.EnumSet;
import java.util.List;
import org.apache.flink.ml.param.DoubleParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.ParamValidators;
import org.apache.flink.ml.param.StringParam;

/**
 * Inverse propensity scoring. {@code escm2-ips} (ESCM² Eq. 15, 27): L = L_CTR + λc·R_IPS + λg·L_CTCVR;
 * {@code mtl-ips}: L = L_CTR + λc·R_IPS. Plain: R_IPS = (1/A)·Σ_D w·o·δ/ô_c; self-normalised (SNIPS):
 * R_IPS = Σ w·o·δ/ô_c / Σ w·o/ô_c (row weights w, A: see {@link AbstractObjective}). ∂R/∂u with u = 1/ô_c is δ/|D| (plain) or (δ − R)/Σu (self-normalised), and
 * ∂u/∂ô_c = −u²; that path reaches z_ctr only with ctr-gradient-from-cvr.
 */
public final class IpsObjective extends AbstractObjective {
    public static final Param<Double> LAMBDA_C = new DoubleParam("lambda-c",
            "λc: weight of the CVR risk (IPS/DR) in mtl-ips, mtl-dr, escm2-ips, escm2-dr (ESCM² Eq. 27).", 0.1,
            ParamValidators.gtEq(0));
    public static final Param<Double> LAMBDA_G = new DoubleParam("lambda-g",
            "λg: weight of the CTCVR loss in escm2-ips and escm2-dr (ESCM² Eq. 27).", 1.0,
            ParamValidators.gtEq(0));
    public static final Param<String> IPS_NORMALISATION = new StringParam("ips-normalisation",
            "IPS weights in mtl-ips/escm2-ips/mtl-dr/escm2-dr: plain (1/|D|·Σ o/ô, ESCM² Eq. 15) or "
                    + "self-normalised (divide by Σ o/ô instead of |D|, SNIPS). DCMT always self-normalises (Eq. 13).",
            "plain", ParamValidators.inArray("plain", "self-normalised"));

    private final double lambdaC;
    private final double lambdaG;
    private final boolean selfNormalised;

    /** @param withCtcvr escm2-ips (true) or mtl-ips (false) */
    public IpsObjective(Settings s, boolean withCtcvr) {
        super(withCtcvr ? "escm2-ips" : "mtl-ips", s, EnumSet.noneOf(Head.class), true,
                withCtcvr ? List.of(LAMBDA_C, LAMBDA_G, IPS_NORMALISATION) : List.of(LAMBDA_C, IPS_NORMALISATION));
        this.lambdaC = s.get(LAMBDA_C);
        this.lambdaG = withCtcvr ? s.get(LAMBDA_G) : 0;
        this.selfNormalised = s.get(IPS_NORMALISATION).equals("self-normalised");
    }

    @Override
    protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        boolean main = phase.trainsMain();
        float[] zo = z[CTR];
        float[] zr = z[CVR];
        float[] dzr = dz[CVR];
        int n = b.n;
        double a = 0;
        double bsum = 0;
        for (int i = 0; i < n; i++) {
            if (b.click[i] > 0.5f) {
                double u = 1.0 / propensity.clipped(zo, b, i);
                double d = bceLogit(b.conversion[i], zr[i]);
                double wu = labelWeight[i] * u;
                weight[i] = u;
                delta[i] = d;
                a += d * wu;
                bsum += wu;
            }
        }
        if (bsum > 0) {
            double w = lambdaC;
            double norm = selfNormalised ? bsum : impressions;
            double r = a / norm;
            for (int i = 0; i < n; i++) {
                if (b.click[i] > 0.5f) {
                    double u = weight[i];
                    double wi = labelWeight[i];
                    if (main) {
                        dzr[i] = (float) (dzr[i] + w * wi * u / norm * (sigmoid(zr[i]) - b.conversion[i]));
                    }
                    double dRdu = wi * (selfNormalised ? (delta[i] - r) / norm : delta[i] / norm);
                    dPropensity[i] += w * dRdu * (-u * u);
                }
            }
            out.cvr = w * r;
        }
        out.ctcvr = ctcvr(zo, zr, b, dz[CTR], dzr, lambdaG, main);
    }
}
