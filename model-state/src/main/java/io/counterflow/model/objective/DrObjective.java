package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.EnumSet;
import java.util.List;
import org.apache.flink.ml.param.BooleanParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.ParamValidators;
import org.apache.flink.ml.param.StringParam;

/**
 * Doubly robust. {@code escm2-dr} (ESCM² Eq. 22–24, 27): L = L_CTR + λc·R_DR + λg·L_CTCVR; {@code mtl-dr}:
 * L = L_CTR + λc·R_DR. With the imputed error δ̂ = softplus(z_imp) ≥ 0 and e = δ − δ̂:
 * R_err = mean_D[δ̂ + o·e/ô_c] (Eq. 22), R_imp = mean_D[o·e²/ô_c] (Eq. 23), R_DR = R_err + R_imp (δ̂'s mean
 * weighted by a, the o-terms by w; see {@link AbstractObjective});
 * self-normalised: the o/ô_c sums are divided by Σ o/ô_c instead of |D|.
 *
 * <p>Gradient into the CVR tower: by default ({@link #IMPUTATION_GRADIENT_TO_CVR} false) δ is detached in
 * R_imp, so R_imp trains only the imputation tower and the CVR tower gets ∂R_err/∂δ = o·u/|D| (exactly the IPS
 * gradient), as in the reference implementations. With it true, R_imp adds 2e·o·u/|D| to ∂L/∂δ, which drags
 * r̂ towards the imputation and measured +0.076 entire-space bias against +0.004 detached (docs/bias.md).
 */
public final class DrObjective extends AbstractObjective {
    public static final Param<Boolean> IMPUTATION_GRADIENT_TO_CVR = new BooleanParam(
            "dr-imputation-gradient-to-cvr",
            "Whether the DR imputation term mean_D[o(δ−δ̂)²/ô] (ESCM² Eq. 23) sends gradient into the CVR tower "
                    + "through δ. Default false: δ is detached there, so the imputation term trains the imputation "
                    + "tower only (as in the reference implementations); true is the paper's literal gradient and "
                    + "biases the CVR estimate upwards.",
            false);
    public static final Param<String> TRAINING = new StringParam("dr-training",
            "How the imputation tower of mtl-dr/escm2-dr trains: joint (one gradient of the whole objective) or "
                    + "alternating (even steps update only the imputation tower on Eq. 23, odd steps the rest).",
            "joint", ParamValidators.inArray("joint", "alternating"));

    private final double lambdaC;
    private final double lambdaG;
    private final boolean selfNormalised;
    private final boolean toCvrThroughImputation;
    private final boolean alternating;

    /** @param withCtcvr escm2-dr (true) or mtl-dr (false) */
    public DrObjective(Settings s, boolean withCtcvr) {
        super(withCtcvr ? "escm2-dr" : "mtl-dr", s, EnumSet.of(Head.IMPUTATION), true,
                withCtcvr
                        ? List.of(IpsObjective.LAMBDA_C, IpsObjective.LAMBDA_G, IpsObjective.IPS_NORMALISATION,
                                IMPUTATION_GRADIENT_TO_CVR, TRAINING)
                        : List.of(IpsObjective.LAMBDA_C, IpsObjective.IPS_NORMALISATION, IMPUTATION_GRADIENT_TO_CVR,
                                TRAINING));
        this.lambdaC = s.get(IpsObjective.LAMBDA_C);
        this.lambdaG = withCtcvr ? s.get(IpsObjective.LAMBDA_G) : 0;
        this.selfNormalised = s.get(IpsObjective.IPS_NORMALISATION).equals("self-normalised");
        this.toCvrThroughImputation = s.get(IMPUTATION_GRADIENT_TO_CVR);
        this.alternating = s.get(TRAINING).equals("alternating");
    }

    /** δ̂ = softplus(z_imp) starts at the entropy H(cvr): the expected BCE of a calibrated constant r̂. */
    @Override
    public double initialLogit(Head h, double ctr, double cvr) {
        if (h == Head.IMPUTATION) {
            double entropy = -cvr * Math.log(cvr) - (1 - cvr) * Math.log(1 - cvr);
            return Math.log(Math.expm1(entropy));
        }
        return super.initialLogit(h, ctr, cvr);
    }

    @Override
    public Phase phase(long step) {
        if (!alternating) {
            return Phase.JOINT;
        }
        return step % 2 == 0 ? Phase.IMPUTATION : Phase.MAIN;
    }

    @Override
    protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        float[] zo = z[CTR];
        float[] zr = z[CVR];
        float[] zi = z[IMP];
        float[] dzr = dz[CVR];
        float[] dzi = dz[IMP];
        double w = lambdaC;
        int n = b.n;
        double invN = 1.0 / impressions;
        double bsum = 0;
        double sumImp = 0;
        double sumErr = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double dh = softplus(zi[i]);
            sumImp += impressionWeight[i] * dh;
            if (b.click[i] > 0.5f) {
                double u = 1.0 / propensity.clipped(zo, b, i);
                double e = bceLogit(b.conversion[i], zr[i]) - dh;
                double wu = labelWeight[i] * u;
                weight[i] = u;
                delta[i] = e;
                bsum += wu;
                sumErr += e * wu;
                sumSq += e * e * wu;
            }
        }
        double norm = selfNormalised ? (bsum == 0 ? 1 : bsum) : impressions;
        out.cvr = w * (sumImp * invN + sumErr / norm);
        out.imputation = w * (sumSq / norm);
        boolean toCvr = phase.trainsMain();
        boolean toImp = phase.trainsImputation();
        boolean impOnly = !toCvr;
        double c = (sumErr + sumSq) / norm;
        for (int i = 0; i < n; i++) {
            double dImp = impOnly ? 0 : impressionWeight[i] * invN; // ∂R_err/∂δ̂ from the mean_D δ̂ term
            if (b.click[i] > 0.5f) {
                double u = weight[i];
                double wi = labelWeight[i];
                double e = delta[i];
                if (toCvr) {
                    double dDelta = wi * u / norm * (1 + (toCvrThroughImputation ? 2 * e : 0));
                    dzr[i] = (float) (dzr[i] + w * dDelta * (sigmoid(zr[i]) - b.conversion[i]));
                    // ∂R/∂u = w·o(e + e²)/norm, self-normalised: w·o(e + e² − C)/norm, C = Σ w·o(e+e²)u/norm.
                    double dRdu = wi * (selfNormalised ? (e + e * e - c) / norm : (e + e * e) / norm);
                    dPropensity[i] += w * dRdu * (-u * u);
                }
                dImp += impOnly ? -2 * e * wi * u / norm : -wi * u / norm * (1 + 2 * e);
            }
            if (toImp) {
                dzi[i] = (float) (w * dImp * sigmoid(zi[i]));
            }
        }
        out.ctcvr = ctcvr(zo, zr, b, dz[CTR], dzr, lambdaG, toCvr);
    }
}
