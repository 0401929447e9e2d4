package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.flink.ml.param.Param;

/**
 * The shared part of every entire-space objective: L_CTR = mean_D BCE(o, ô) on the CTR head, the CVR-side risk
 * of the subclass ({@link #risk}), the propensity's gradient and diagnostics for propensity-weighted objectives,
 * and the finiteness check. Notation: o click, r conversion, ô = σ(z_ctr), r̂ = σ(z_cvr), δ = BCE(r, r̂),
 * ô_c = clip(ô, ε, 1−ε), D the batch, O its clicked part, N the rest.
 *
 * <p>Row weights (docs/delayed-feedback.md): a_i = {@code impressionWeight} weighs the terms that do not depend on
 * the conversion label (1 for an impression's first row, 0 for its copies), w_i = {@code labelWeight} the terms
 * that do (a delayed-feedback importance weight on clicked rows; 1 for final labels). "mean_D" is Σ_D a_i·(…)/A
 * or Σ_D w_i·(…)/A with A = Σ_D a_i, the impressions in the batch (at least half its rows); click-space means are Σ_O w_i·(…)/Σ_O w_i. With
 * every weight 1 (offline data, policy wait) these are the plain means.
 */
public abstract class AbstractObjective implements Objective {
    protected static final int CTR = Head.CTR.ordinal();
    protected static final int CVR = Head.CVR.ordinal();
    protected static final int IMP = Head.IMPUTATION.ordinal();
    protected static final int CF = Head.COUNTERFACTUAL.ordinal();

    /** Largest log(ô·r̂) used in the CTCVR loss, so that 1 − ô·r̂ ≥ 1e-7. */
    private static final double MAX_LOG_T = Math.log1p(-1e-7);

    private final String name;
    private final EnumSet<Head> heads;
    private final List<Param<?>> params;
    /** The propensity, or null for objectives that do not weight by it. */
    protected final Propensity propensity;

    /** Per-sample scratch, at least the batch size long after {@link #evaluate} started. */
    protected double[] delta = new double[0];
    protected double[] weight = new double[0];
    /** ∂L/∂ô_c per sample, accumulated by the risk; reaches z_ctr only where allowed. */
    protected double[] dPropensity = new double[0];
    /** The batch's row weights a_i and w_i, and A = Σ a_i (the batch's impressions), at least n/2. */
    protected float[] impressionWeight;
    protected float[] labelWeight;
    protected double impressions;

    /**
     * @param extraHeads heads beyond CTR and CVR
     * @param propensityWeighted whether the CTR prediction weights the CVR loss (so clipping, stop-gradient and
     *     the weight diagnostics apply)
     * @param params the objective's own settings (the propensity's are added when weighted)
     */
    protected AbstractObjective(String name, Settings s, EnumSet<Head> extraHeads, boolean propensityWeighted,
            List<Param<?>> params) {
        this.name = name;
        this.heads = EnumSet.of(Head.CTR, Head.CVR);
        this.heads.addAll(extraHeads);
        this.propensity = propensityWeighted ? new Propensity(s) : null;
        List<Param<?>> p = new ArrayList<>(params);
        if (propensityWeighted) {
            p.addAll(Propensity.PARAMS);
        }
        this.params = List.copyOf(p);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final EnumSet<Head> heads() {
        return EnumSet.copyOf(heads);
    }

    @Override
    public final List<Param<?>> params() {
        return params;
    }

    /**
     * Adds the CVR-side terms of the objective: their values into {@code out}, their gradients into {@code dz}
     * (which holds L_CTR's gradient on the CTR head and zeros elsewhere), ∂L/∂ô_c into {@link #dPropensity}.
     * In a phase that does not train the main parameters only the imputation head's gradient may be written.
     */
    protected abstract void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out);

    @Override
    public final void evaluate(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        int n = b.n;
        if (delta.length < n) {
            delta = new double[n];
            weight = new double[n];
            dPropensity = new double[n];
        }
        out.reset(n);
        for (float[] g : dz) {
            if (g != null) {
                java.util.Arrays.fill(g, 0, n, 0f);
            }
        }
        java.util.Arrays.fill(dPropensity, 0, n, 0);
        out.clicks = b.clicks();
        boolean main = phase.trainsMain();
        float[] zo = z[CTR];
        float[] dzo = dz[CTR];
        impressionWeight = b.impressionWeight;
        labelWeight = b.labelWeight;
        double a = 0;
        for (int i = 0; i < n; i++) {
            a += impressionWeight[i];
        }
        // At least half the rows: a batch made mostly of copies (a burst of corrections) must not get a step
        // many times the normal size.
        impressions = Math.max(a, 0.5 * n);
        double invN = 1.0 / impressions;
        double lctr = 0;
        for (int i = 0; i < n; i++) {
            double zi = zo[i];
            double o = b.click[i];
            double ai = impressionWeight[i];
            lctr += ai * bceLogit(o, zi);
            if (main) {
                dzo[i] = (float) (ai * (sigmoid(zi) - o) * invN);
            }
        }
        out.ctr = lctr * invN;
        risk(phase, z, b, dz, out);
        if (propensity != null) {
            propensity.finish(zo, b, dzo, dPropensity, main, out);
        }
        out.total = out.ctr + out.cvr + out.ctcvr + out.imputation + out.counterfactual;
        boolean finite = Double.isFinite(out.total);
        for (float[] g : dz) {
            if (g != null) {
                for (int i = 0; i < n && finite; i++) {
                    finite = Float.isFinite(g[i]);
                }
            }
        }
        out.finite = finite;
    }

    /** σ(z) = 1 / (1 + e^−z), stable for large |z|. */
    public static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    /** softplus(z) = log(1 + e^z), stable. */
    public static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    /** BCE(y, σ(z)) = softplus(z) − y·z, for a (possibly soft) target y. */
    public static double bceLogit(double y, double z) {
        return softplus(z) - y * z;
    }

    /** Σ_O w_i over the clicked rows. */
    protected final double clickedWeight(EncodedBatch b) {
        double s = 0;
        for (int i = 0; i < b.n; i++) {
            if (b.click[i] > 0.5f) {
                s += labelWeight[i];
            }
        }
        return s;
    }

    /** c·mean_O BCE(r, r̂) = c·Σ_O w_i·δ_i / Σ_O w_i; returns the weighted term. */
    protected final double clickSpaceBce(float[] zr, EncodedBatch b, float[] dzr, double c, boolean main) {
        double sw = clickedWeight(b);
        if (sw == 0) {
            return 0;
        }
        double inv = 1.0 / sw;
        double sum = 0;
        for (int i = 0; i < b.n; i++) {
            if (b.click[i] > 0.5f) {
                double z = zr[i];
                double r = b.conversion[i];
                double wi = labelWeight[i];
                sum += wi * bceLogit(r, z);
                if (main) {
                    dzr[i] = (float) (dzr[i] + c * wi * inv * (sigmoid(z) - r));
                }
            }
        }
        return c * sum * inv;
    }

    /** c·mean_D BCE(r, r̂) = c·Σ_D w_i·BCE / A. */
    protected final double entireSpaceBce(float[] zr, EncodedBatch b, float[] dzr, double c, boolean main) {
        double inv = 1.0 / impressions;
        double sum = 0;
        for (int i = 0; i < b.n; i++) {
            double z = zr[i];
            double r = b.conversion[i];
            double wi = labelWeight[i];
            sum += wi * bceLogit(r, z);
            if (main) {
                dzr[i] = (float) (dzr[i] + c * wi * inv * (sigmoid(z) - r));
            }
        }
        return c * sum * inv;
    }

    /**
     * w·mean_D BCE(o·r, ô·r̂) = w·Σ_D w_i·BCE / A, from logits: log t = −softplus(−z_o) − softplus(−z_r),
     * log(1 − t) = log(−expm1(log t)); ∂/∂log t = −y + (1−y)·t/(1−t), ∂log t/∂z = 1 − σ(z).
     */
    protected final double ctcvr(float[] zo, float[] zr, EncodedBatch b, float[] dzo, float[] dzr, double w,
            boolean main) {
        if (w == 0) {
            return 0;
        }
        double inv = 1.0 / impressions;
        double sum = 0;
        for (int i = 0; i < b.n; i++) {
            double a = zo[i];
            double c = zr[i];
            double y = b.click[i] * b.conversion[i];
            double wi = labelWeight[i];
            double lt = Math.min(-softplus(-a) - softplus(-c), MAX_LOG_T);
            double l1mt = Math.log(-Math.expm1(lt));
            sum += -wi * (y * lt + (1 - y) * l1mt);
            if (main) {
                double t = Math.exp(lt);
                double g = w * wi * inv * (-y + (1 - y) * t / (1 - t));
                dzo[i] = (float) (dzo[i] + g * sigmoid(-a));
                dzr[i] = (float) (dzr[i] + g * sigmoid(-c));
            }
        }
        return w * sum * inv;
    }
}
