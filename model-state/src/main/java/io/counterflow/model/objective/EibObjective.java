package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code mtl-eib} (error imputation baseline): L = L_CTR + mean_D[o·δ + (1−o)·BCE(r̃, r̂)] + mean_O BCE(r, r̃),
 * with the imputed label r̃ = σ(z_imp) treated as a constant in the risk: the fit term alone trains the
 * imputation tower.
 */
public final class EibObjective extends AbstractObjective {
    private float[] frozenImputed;

    public EibObjective(Settings s) {
        super("mtl-eib", s, EnumSet.of(Head.IMPUTATION), false, List.of());
    }

    /** The imputed label r̃ = σ(z_imp) starts at the conversion rate among clicks. */
    @Override
    public double initialLogit(Head h, double ctr, double cvr) {
        return super.initialLogit(h == Head.IMPUTATION ? Head.CVR : h, ctr, cvr);
    }

    /**
     * Uses these imputed labels r̃ in the risk instead of σ(z_imp) (null: none frozen): lets a finite-difference
     * check see the function whose gradient the risk computes.
     */
    public void freezeImputedLabels(float[] labels) {
        this.frozenImputed = labels;
    }

    @Override
    protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        float[] zr = z[CVR];
        float[] zi = z[IMP];
        float[] dzr = dz[CVR];
        float[] dzi = dz[IMP];
        int n = b.n;
        double invN = 1.0 / impressions;
        double sw = clickedWeight(b);
        double invO = sw == 0 ? 0 : 1.0 / sw;
        double risk = 0;
        double fit = 0;
        for (int i = 0; i < n; i++) {
            double zc = zr[i];
            double rhat = sigmoid(zc);
            double wi = labelWeight[i];
            if (b.click[i] > 0.5f) {
                double r = b.conversion[i];
                risk += wi * bceLogit(r, zc);
                dzr[i] = (float) (dzr[i] + wi * invN * (rhat - r));
                fit += wi * bceLogit(r, zi[i]);
                dzi[i] = (float) (wi * invO * (sigmoid(zi[i]) - r));
            } else {
                double rt = frozenImputed != null ? frozenImputed[i] : sigmoid(zi[i]);
                risk += wi * bceLogit(rt, zc);
                dzr[i] = (float) (dzr[i] + wi * invN * (rhat - rt));
            }
        }
        out.cvr = risk * invN;
        out.imputation = fit * invO;
    }
}
