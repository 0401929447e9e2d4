package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import java.nio.FloatBuffer;

/**
 * Loss and ∂L/∂logit of every objective, on host buffers. Heads: {@link #CTR}, {@link #CVR} (DCMT: the
 * factual head r̂), {@link #IMP} (imputation tower), {@link #CF} (DCMT: the counterfactual head r̂*). Sums run
 * in double in sample order (deterministic). Not thread-safe: it keeps scratch arrays.
 *
 * <p>Stop-gradients are exact: a stopped path contributes exactly 0 to the gradient, never a tiny number.
 */
public final class ObjectiveFunction {
    public static final int CTR = 0;
    public static final int CVR = 1;
    public static final int IMP = 2;
    public static final int CF = 3;
    public static final int HEADS = 4;

    /** Which part of an alternating DR step is being taken. */
    public enum Phase {
        /** Every parameter gets the gradient of the whole objective. */
        JOINT,
        /** Only the imputation head gets a gradient, that of the imputation term (ESCM² Eq. 23). */
        IMPUTATION,
        /** Every head but the imputation head gets the gradient of the whole objective. */
        MAIN
    }

    /** Largest log(ô·r̂) used in the CTCVR loss, so that 1 − ô·r̂ ≥ 1e-7. */
    private static final double MAX_LOG_T = Math.log1p(-1e-7);

    private final ObjectiveSettings s;
    private Phase phase = Phase.JOINT;
    private double[] delta = new double[0];
    private double[] weight = new double[0];
    private double[] dPropensity = new double[0];
    private float[] frozenImputed;

    public ObjectiveFunction(ObjectiveSettings settings) {
        this.s = settings;
    }

    public ObjectiveSettings settings() {
        return s;
    }

    /** Test hook: use these imputed labels r̃ in the EIB risk instead of σ(z_imp) (null: none frozen). */
    public void freezeImputedLabels(float[] labels) {
        this.frozenImputed = labels;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public Phase phase() {
        return phase;
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

    private void ensure(int n) {
        if (delta.length < n) {
            delta = new double[n];
            weight = new double[n];
            dPropensity = new double[n];
        }
    }

    /** Fills {@code dz} with ∂L/∂logit for every present head and {@code out} with the loss terms. */
    public void evaluate(FloatBuffer[] z, EncodedBatch b, FloatBuffer[] dz, LossTerms out) {
        int n = b.n;
        ensure(n);
        out.reset(n);
        for (FloatBuffer g : dz) {
            if (g != null) {
                for (int i = 0; i < n; i++) {
                    g.put(i, 0f);
                }
            }
        }
        double invN = 1.0 / n;
        int clicks = b.clicks();
        out.clicks = clicks;
        FloatBuffer zo = z[CTR];
        FloatBuffer dzo = dz[CTR];
        boolean main = phase != Phase.IMPUTATION;

        // dPropensity[i] accumulates ∂L/∂ô_c (the clipped propensity); it reaches z_ctr only when allowed.
        for (int i = 0; i < n; i++) {
            dPropensity[i] = 0;
        }

        // L_CTR = mean_D BCE(o, ô).
        double lctr = 0;
        for (int i = 0; i < n; i++) {
            double zi = zo.get(i);
            double o = b.click[i];
            lctr += bceLogit(o, zi);
            if (main) {
                dzo.put(i, (float) ((sigmoid(zi) - o) * invN));
            }
        }
        out.ctr = lctr * invN;

        switch (s.kind) {
            case NAIVE:
                out.cvr = clickSpaceBce(z[CVR], b, dz[CVR], clicks, 1.0, main);
                break;
            case MTL_IMP:
                out.cvr = entireSpaceBce(z[CVR], b, dz[CVR], 1.0, main);
                break;
            case ESMM:
                out.ctcvr = ctcvr(zo, z[CVR], b, dzo, dz[CVR], 1.0, main);
                break;
            case MTL_IPS:
                out.cvr = ips(zo, z[CVR], b, dz[CVR], s.lambdaC, main, out);
                break;
            case ESCM2_IPS:
                out.cvr = ips(zo, z[CVR], b, dz[CVR], s.lambdaC, main, out);
                out.ctcvr = ctcvr(zo, z[CVR], b, dzo, dz[CVR], s.lambdaG, main);
                break;
            case MTL_DR:
                dr(zo, z[CVR], z[IMP], b, dz[CVR], dz[IMP], s.lambdaC, out);
                break;
            case ESCM2_DR:
                dr(zo, z[CVR], z[IMP], b, dz[CVR], dz[IMP], s.lambdaC, out);
                out.ctcvr = ctcvr(zo, z[CVR], b, dzo, dz[CVR], s.lambdaG, main);
                break;
            case MTL_EIB:
                eib(z[CVR], z[IMP], b, dz[CVR], dz[IMP], clicks, out);
                break;
            case DCMT:
            case DCMT_PD:
            case DCMT_CF:
                dcmt(zo, z[CVR], z[CF], b, dz[CVR], dz[CF], clicks, out);
                out.ctcvr = ctcvr(zo, z[CVR], b, dzo, dz[CVR], s.wCtcvr, main);
                break;
            default:
                throw new IllegalStateException("objective " + s.kind + " not implemented");
        }

        // ∂L/∂ô_c → z_ctr, only where the CVR risk may train the CTR tower and ô was not clipped.
        if (s.kind.isPropensityWeighted()) {
            double eps = s.epsilon;
            for (int i = 0; i < n; i++) {
                double p = sigmoid(zo.get(i));
                boolean clipped = p < eps || p > 1 - eps;
                if (clipped) {
                    out.clippedPropensities++;
                } else if (s.ctrGradientFromCvr && !s.truthPropensity && main && dPropensity[i] != 0) {
                    dzo.put(i, (float) (dzo.get(i) + dPropensity[i] * p * (1 - p)));
                }
            }
        }

        out.total = out.ctr + out.cvr + out.ctcvr + out.imputation + out.counterfactual;
        boolean finite = Double.isFinite(out.total);
        for (FloatBuffer g : dz) {
            if (g != null) {
                for (int i = 0; i < n && finite; i++) {
                    finite = Float.isFinite(g.get(i));
                }
            }
        }
        out.finite = finite;
    }

    /** The clipped propensity of sample i: the CTR tower's ô, or the data's true p under propensity-source truth. */
    private double clippedPropensity(FloatBuffer zo, EncodedBatch b, int i) {
        if (s.truthPropensity) {
            if (!b.hasTruth) {
                throw new IllegalArgumentException("propensity-source truth needs truth.ctr on every sample");
            }
            return Math.min(Math.max(b.truthCtr[i], s.epsilon), 1 - s.epsilon);
        }
        return clippedPropensity((double) zo.get(i));
    }

    private double clippedPropensity(double zctr) {
        double p = sigmoid(zctr);
        return Math.min(Math.max(p, s.epsilon), 1 - s.epsilon);
    }

    /** w·mean_O BCE(r, r̂); returns the weighted term. */
    private static double clickSpaceBce(FloatBuffer zr, EncodedBatch b, FloatBuffer dzr, int clicks, double w,
            boolean main) {
        if (clicks == 0) {
            return 0;
        }
        double inv = 1.0 / clicks;
        double sum = 0;
        for (int i = 0; i < b.n; i++) {
            if (b.click[i] > 0.5f) {
                double z = zr.get(i);
                double r = b.conversion[i];
                sum += bceLogit(r, z);
                if (main) {
                    dzr.put(i, (float) (dzr.get(i) + w * inv * (sigmoid(z) - r)));
                }
            }
        }
        return w * sum * inv;
    }

    /** w·mean_D BCE(r, r̂). */
    private static double entireSpaceBce(FloatBuffer zr, EncodedBatch b, FloatBuffer dzr, double w, boolean main) {
        double inv = 1.0 / b.n;
        double sum = 0;
        for (int i = 0; i < b.n; i++) {
            double z = zr.get(i);
            double r = b.conversion[i];
            sum += bceLogit(r, z);
            if (main) {
                dzr.put(i, (float) (dzr.get(i) + w * inv * (sigmoid(z) - r)));
            }
        }
        return w * sum * inv;
    }

    /**
     * w·mean_D BCE(o·r, ô·r̂), from logits: log t = −softplus(−z_o) − softplus(−z_r), log(1 − t) =
     * log(−expm1(log t)); ∂/∂log t = −y + (1−y)·t/(1−t), ∂log t/∂z = 1 − σ(z).
     */
    private static double ctcvr(FloatBuffer zo, FloatBuffer zr, EncodedBatch b, FloatBuffer dzo, FloatBuffer dzr,
            double w, boolean main) {
        if (w == 0) {
            return 0;
        }
        double inv = 1.0 / b.n;
        double sum = 0;
        for (int i = 0; i < b.n; i++) {
            double a = zo.get(i);
            double c = zr.get(i);
            double y = b.click[i] * b.conversion[i];
            double lt = Math.min(-softplus(-a) - softplus(-c), MAX_LOG_T);
            double l1mt = Math.log(-Math.expm1(lt));
            sum += -(y * lt + (1 - y) * l1mt);
            if (main) {
                double t = Math.exp(lt);
                double g = w * inv * (-y + (1 - y) * t / (1 - t));
                dzo.put(i, (float) (dzo.get(i) + g * sigmoid(-a)));
                dzr.put(i, (float) (dzr.get(i) + g * sigmoid(-c)));
            }
        }
        return w * sum * inv;
    }

    /**
     * w·R_IPS. Plain: R = (1/|D|)·Σ o·δ/ô_c. Self-normalised: R = Σ o·δ/ô_c / Σ o/ô_c. Gradient into ô_c is
     * recorded in dPropensity (applied later only if allowed).
     */
    private double ips(FloatBuffer zo, FloatBuffer zr, EncodedBatch b, FloatBuffer dzr, double w, boolean main,
            LossTerms out) {
        int n = b.n;
        double a = 0;
        double bsum = 0;
        for (int i = 0; i < n; i++) {
            if (b.click[i] > 0.5f) {
                double u = 1.0 / clippedPropensity(zo, b, i);
                double d = bceLogit(b.conversion[i], zr.get(i));
                weight[i] = u;
                delta[i] = d;
                a += d * u;
                bsum += u;
            }
        }
        if (bsum == 0) {
            return 0;
        }
        double norm = s.selfNormalised ? bsum : n;
        double r = a / norm;
        for (int i = 0; i < n; i++) {
            if (b.click[i] > 0.5f) {
                double u = weight[i];
                if (main) {
                    double z = zr.get(i);
                    dzr.put(i, (float) (dzr.get(i) + w * u / norm * (sigmoid(z) - b.conversion[i])));
                }
                // ∂R/∂u = δ/norm (plain) or (δ − R)/norm (self-normalised); ∂u/∂ô_c = −u².
                double dRdu = s.selfNormalised ? (delta[i] - r) / norm : delta[i] / norm;
                dPropensity[i] += w * dRdu * (-u * u);
            }
        }
        return w * r;
    }

    /**
     * w·R_DR with δ̂ = softplus(z_imp) ≥ 0 and e = δ − δ̂: R_err = mean_D[δ̂ + o·e/ô_c] (Eq. 22), R_imp =
     * mean_D[o·e²/ô_c] (Eq. 23); self-normalised: the o/ô_c sums are divided by Σ o/ô_c instead of |D|.
     */
    private void dr(FloatBuffer zo, FloatBuffer zr, FloatBuffer zi, EncodedBatch b, FloatBuffer dzr,
            FloatBuffer dzi, double w, LossTerms out) {
        int n = b.n;
        double invN = 1.0 / n;
        double bsum = 0;
        double sumImp = 0;
        double sumErr = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double dh = softplus(zi.get(i));
            sumImp += dh;
            if (b.click[i] > 0.5f) {
                double u = 1.0 / clippedPropensity(zo, b, i);
                double e = bceLogit(b.conversion[i], zr.get(i)) - dh;
                weight[i] = u;
                delta[i] = e;
                bsum += u;
                sumErr += e * u;
                sumSq += e * e * u;
            }
        }
        double norm = s.selfNormalised ? (bsum == 0 ? 1 : bsum) : n;
        out.cvr = w * (sumImp * invN + sumErr / norm);
        out.imputation = w * (sumSq / norm);
        boolean toCvr = phase != Phase.IMPUTATION;
        boolean toImp = phase != Phase.MAIN;
        boolean impOnly = phase == Phase.IMPUTATION;
        double c = (sumErr + sumSq) / norm;
        for (int i = 0; i < n; i++) {
            double zimp = zi.get(i);
            double dImp = impOnly ? 0 : invN; // ∂R_err/∂δ̂ from the mean_D δ̂ term
            if (b.click[i] > 0.5f) {
                double u = weight[i];
                double e = delta[i];
                if (toCvr) {
                    double dDelta = u / norm * (1 + (s.drImputationGradientToCvr ? 2 * e : 0));
                    double z = zr.get(i);
                    dzr.put(i, (float) (dzr.get(i) + w * dDelta * (sigmoid(z) - b.conversion[i])));
                    // ∂R/∂u = o(e + e²)/norm, self-normalised: o(e + e² − C)/norm with C = Σo(e+e²)u/norm.
                    double dRdu = s.selfNormalised ? (e + e * e - c) / norm : (e + e * e) / norm;
                    dPropensity[i] += w * dRdu * (-u * u);
                }
                dImp += impOnly ? -2 * e * u / norm : -u / norm * (1 + 2 * e);
            }
            if (toImp) {
                dzi.put(i, (float) (w * dImp * sigmoid(zimp)));
            }
        }
    }

    /**
     * EIB: mean_D[o·δ + (1−o)·BCE(r̃, r̂)] with the imputed label r̃ = σ(z_imp) treated as a constant there,
     * plus the imputation fit mean_O BCE(r, r̃).
     */
    private void eib(FloatBuffer zr, FloatBuffer zi, EncodedBatch b, FloatBuffer dzr, FloatBuffer dzi,
            int clicks, LossTerms out) {
        int n = b.n;
        double invN = 1.0 / n;
        double invO = clicks == 0 ? 0 : 1.0 / clicks;
        double risk = 0;
        double fit = 0;
        for (int i = 0; i < n; i++) {
            double z = zr.get(i);
            double zimp = zi.get(i);
            double rhat = sigmoid(z);
            if (b.click[i] > 0.5f) {
                double r = b.conversion[i];
                risk += bceLogit(r, z);
                dzr.put(i, (float) (dzr.get(i) + invN * (rhat - r)));
                fit += bceLogit(r, zimp);
                // The fit term alone trains the imputation tower.
                dzi.put(i, (float) (invO * (sigmoid(zimp) - r)));
            } else {
                double rt = frozenImputed != null ? frozenImputed[i] : sigmoid(zimp);
                risk += bceLogit(rt, z);
                dzr.put(i, (float) (dzr.get(i) + invN * (rhat - rt)));
            }
        }
        out.cvr = risk * invN;
        out.imputation = fit * invO;
    }

    /**
     * DCMT's E (Eq. 9 with the self-normalised weights of Eq. 13) and its ablations. w⁺ = (1/ô_c)/Σ_O(1/ô_c),
     * w⁻ = (1/(1−ô_c))/Σ_N(1/(1−ô_c)); dcmt-cf uses 1/|O| and 1/|N|; dcmt-pd fits r̂* to r (not 1−r) on N and
     * drops the regulariser.
     */
    private void dcmt(FloatBuffer zo, FloatBuffer zr, FloatBuffer zc, EncodedBatch b, FloatBuffer dzr,
            FloatBuffer dzc, int clicks, LossTerms out) {
        int n = b.n;
        boolean weighted = s.kind != ObjectiveKind.DCMT_CF;
        boolean counterfactual = s.kind != ObjectiveKind.DCMT_PD;
        double su = 0;
        double sv = 0;
        for (int i = 0; i < n; i++) {
            double p = clippedPropensity(zo, b, i);
            if (b.click[i] > 0.5f) {
                weight[i] = weighted ? 1.0 / p : 1.0;
                su += weight[i];
            } else {
                weight[i] = weighted ? 1.0 / (1 - p) : 1.0;
                sv += weight[i];
            }
        }
        double fo = 0;
        double fn = 0;
        for (int i = 0; i < n; i++) {
            double r = b.conversion[i];
            if (b.click[i] > 0.5f) {
                delta[i] = bceLogit(r, zr.get(i));
                fo += weight[i] * delta[i];
            } else {
                double target = counterfactual ? 1 - r : r;
                delta[i] = bceLogit(target, zc.get(i));
                fn += weight[i] * delta[i];
            }
        }
        fo = su == 0 ? 0 : fo / su;
        fn = sv == 0 ? 0 : fn / sv;
        double wc = s.wCvr;
        out.cvr = wc * (fo + fn);
        double invN = 1.0 / n;
        double reg = 0;
        for (int i = 0; i < n; i++) {
            double r = b.conversion[i];
            double z1 = zr.get(i);
            double z2 = zc.get(i);
            double p1 = sigmoid(z1);
            double p2 = sigmoid(z2);
            if (b.click[i] > 0.5f) {
                double u = weight[i];
                dzr.put(i, (float) (dzr.get(i) + wc * u / su * (p1 - r)));
                if (weighted) {
                    // ∂F⁺/∂u_i = (δ_i − F⁺)/Σu, ∂u/∂ô_c = −u².
                    dPropensity[i] += wc * (delta[i] - fo) / su * (-u * u);
                }
            } else {
                double v = weight[i];
                double target = counterfactual ? 1 - r : r;
                dzc.put(i, (float) (dzc.get(i) + wc * v / sv * (p2 - target)));
                if (weighted) {
                    // ∂F⁻/∂v_i = (δ_i − F⁻)/Σv, ∂v/∂ô_c = +v².
                    dPropensity[i] += wc * (delta[i] - fn) / sv * (v * v);
                }
            }
            if (counterfactual && s.lambda1 > 0) {
                double gap = 1 - (p1 + p2);
                reg += Math.abs(gap);
                double g = -Math.signum(gap) * s.lambda1 * invN * wc;
                if (g != 0) {
                    dzr.put(i, (float) (dzr.get(i) + g * p1 * (1 - p1)));
                    dzc.put(i, (float) (dzc.get(i) + g * p2 * (1 - p2)));
                }
            }
        }
        out.counterfactual = counterfactual ? wc * s.lambda1 * reg * invN : 0;
    }
}
