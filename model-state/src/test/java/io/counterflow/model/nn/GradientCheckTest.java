package io.counterflow.model.nn;

import io.counterflow.model.objective.DcmtObjective;
import io.counterflow.model.objective.DrObjective;
import io.counterflow.model.objective.IpsObjective;
import io.counterflow.model.objective.Propensity;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.Head;
import io.counterflow.model.objective.Objectives;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite differences against the analytic gradient, for every objective × extractor, for every parameter
 * group (embedding, experts, gates, every tower, the wide part). Central differences in float32: each element
 * is compared with a tolerance that covers float rounding. An element whose one-sided difference quotients disagree
 * sits on a ReLU kink and is counted apart (at most 10% per group); every other element must agree, and a
 * random-direction derivative over the whole group must agree to 1%.
 */
class GradientCheckTest {
    private static final float H = 2e-4f;

    static Stream<Arguments> cases() {
        List<Arguments> l = new ArrayList<>();
        for (String k : Objectives.names()) {
            for (String e : new String[] {"shared-bottom", "mmoe", "ple"}) {
                l.add(Arguments.of(k, e));
            }
        }
        l.add(Arguments.of("escm2-ips-self-normalised", "shared-bottom"));
        l.add(Arguments.of("escm2-dr-self-normalised", "mmoe"));
        // Delayed-feedback row weights (copies without a CTR term, importance-weighted labels): every objective.
        for (String k : Objectives.names()) {
            l.add(Arguments.of(k + "-weighted", "shared-bottom"));
        }
        return l.stream();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void analyticGradientMatchesFiniteDifferences(String objective, String extractor) {
        if (System.getenv("GRADCHECK_DEBUG") != null) {
            System.err.println("== " + objective + " / " + extractor);
        }
        boolean weighted = objective.endsWith("-weighted");
        String base = weighted ? objective.substring(0, objective.length() - "-weighted".length()) : objective;
        boolean sn = base.endsWith("-self-normalised");
        String name = sn ? base.substring(0, base.length() - "-self-normalised".length()) : base;
        Settings s = TinyData.tinySettings(name, extractor);
        // The true gradient: nothing stopped, no clipping in range, so finite differences see the same function.
        s.set(Propensity.CTR_GRADIENT_FROM_CVR, true);
        // DR's default detaches δ in its imputation term (a stop-gradient, checked in StopGradientTest); the
        // literal gradient is the one finite differences see.
        s.set(DrObjective.IMPUTATION_GRADIENT_TO_CVR, true);
        s.set(Propensity.EPSILON, 1e-6);
        s.set(IpsObjective.LAMBDA_C, 0.5);
        s.set(DcmtObjective.LAMBDA_1, 0.05);
        if (sn) {
            s.set(IpsObjective.IPS_NORMALISATION, "self-normalised");
        }
        try (Backend be = Backends.create("java");
                CvrModel model = new CvrModel(s, TinyData.space(s), be, 32)) {
            BatchEncoder enc = new BatchEncoder(model.featureSpace());
            EncodedBatch b = TinyData.encode(enc, TinyData.samples(24, 3));
            if (weighted) {
                SplittableRandom wr = new SplittableRandom(17);
                for (int i = 0; i < b.n; i++) {
                    if (b.click[i] > 0.5f) {
                        b.labelWeight[i] = (float) (0.2 + 1.6 * wr.nextDouble());
                        b.impressionWeight[i] = i % 4 == 0 ? 0f : 1f;
                    }
                }
            }
            boolean eib = model.objectiveName().equals("mtl-eib");
            // General position: zero biases put ReLU pre-activations exactly on the kink (a unit fed by dead
            // units has pre-activation = bias), where finite differences are meaningless; positive biases also
            // keep these 3-unit towers from being dead as a whole.
            SplittableRandom init = new SplittableRandom(5);
            for (CvrModel.ParamGradient p : model.gradients()) {
                if (p.name.endsWith(".b")) {
                    float[] bias = new float[p.value.size()];
                    for (int i = 0; i < bias.length; i++) {
                        bias[i] = (float) (0.05 + 0.15 * init.nextDouble());
                    }
                    be.upload(bias, 0, p.value);
                }
            }

            if (eib) {
                // EIB's risk treats the imputed label r̃ as a constant: freeze it at its current value so that
                // finite differences see the same function the analytic gradient differentiates.
                model.evaluateLoss(b);
                model.freezeImputedLabels(b);
            }
            model.computeGradients(b);
            List<CvrModel.ParamGradient> params = new ArrayList<>(model.gradients());
            params.add(model.embeddingGradient());
            List<String> checkedGroups = new ArrayList<>();
            for (CvrModel.ParamGradient p : params) {
                ToDoubleFunction<LossTerms> f = t -> t.total;
                checkParameter(model, b, p, f);
                if (!checkedGroups.contains(p.group)) {
                    checkedGroups.add(p.group);
                }
            }
            assertThat(checkedGroups).containsExactlyInAnyOrderElementsOf(model.groups());
            if (extractor.equals("mmoe")) {
                assertThat(checkedGroups).contains("experts", "gates");
            }
            if (model.objective().heads().contains(Head.COUNTERFACTUAL)) {
                assertThat(checkedGroups).contains("wide", "tower.cvr.factual", "tower.cvr.counterfactual");
            }
        }
    }

    private static double oneSided(CvrModel model, EncodedBatch b, Tensor value, float[] w, int i, float h,
            ToDoubleFunction<LossTerms> lossOf) {
        Backend be = model.backend();
        double at = lossOf.applyAsDouble(model.evaluateLoss(b));
        float orig = w[i];
        w[i] = orig + h;
        be.upload(w, 0, value);
        double moved = lossOf.applyAsDouble(model.evaluateLoss(b));
        w[i] = orig;
        be.upload(w, 0, value);
        return (moved - at) / h;
    }

    private static double centralDifference(CvrModel model, EncodedBatch b, Tensor value, float[] w, int i, float h,
            ToDoubleFunction<LossTerms> lossOf) {
        Backend be = model.backend();
        float orig = w[i];
        w[i] = orig + h;
        be.upload(w, 0, value);
        double plus = lossOf.applyAsDouble(model.evaluateLoss(b));
        w[i] = orig - h;
        be.upload(w, 0, value);
        double minus = lossOf.applyAsDouble(model.evaluateLoss(b));
        w[i] = orig;
        be.upload(w, 0, value);
        return (plus - minus) / (2.0 * h);
    }

    private static void checkParameter(CvrModel model, EncodedBatch b, CvrModel.ParamGradient p,
            ToDoubleFunction<LossTerms> lossOf) {
        Backend be = model.backend();
        Tensor value = p.value;
        float[] w = new float[value.size()];
        be.download(value, w, 0);
        float[] grad;
        int[] index;
        if (p.name.equals("embedding")) {
            // Sparse: gradient rows of the batch's unique rows.
            int dim = value.cols();
            float[] rows = new float[p.gradient.size()];
            be.download(p.gradient, rows, 0);
            index = new int[b.uniqueCount * dim];
            grad = new float[index.length];
            for (int u = 0; u < b.uniqueCount; u++) {
                for (int d = 0; d < dim; d++) {
                    index[u * dim + d] = b.uniqueRows[u] * dim + d;
                    grad[u * dim + d] = rows[u * dim + d];
                }
            }
        } else {
            grad = new float[p.gradient.size()];
            be.download(p.gradient, grad, 0);
            index = new int[w.length];
            for (int i = 0; i < index.length; i++) {
                index[i] = i;
            }
        }
        int misses = 0;
        int kinks = 0;
        double maxAbs = 0;
        for (int k = 0; k < index.length; k++) {
            int i = index[k];
            double fd = centralDifference(model, b, value, w, i, H, lossOf);
            double an = grad[k];
            maxAbs = Math.max(maxAbs, Math.abs(an));
            if (Math.abs(fd - an) > 1e-3 + 3e-2 * Math.max(Math.abs(fd), Math.abs(an))) {
                // A ReLU kink inside [θ−h, θ+h] shows as one-sided derivatives that disagree; at a smooth point
                // they agree to O(h).
                double right = oneSided(model, b, value, w, i, H, lossOf);
                double left = oneSided(model, b, value, w, i, -H, lossOf);
                if (Math.abs(right - left) > 3e-3 + 0.1 * Math.abs(fd)) {
                    kinks++;
                } else {
                    misses++;
                    if (System.getenv("GRADCHECK_DEBUG") != null) {
                        System.err.printf("%s[%d]: fd=%.6g analytic=%.6g%n", p, i, fd, an);
                    }
                }
            }
        }
        be.upload(w, 0, value);
        assertThat(misses)
                .as("elements of %s whose finite difference disagrees (of %d)", p, index.length)
                .isZero();
        assertThat(kinks).as("elements of %s on a ReLU kink (of %d)", p, index.length)
                .isLessThanOrEqualTo(Math.max(1, index.length / 10));

        // A random direction over the whole group: d/dt L(θ + t·v) against g·v.
        SplittableRandom r = new SplittableRandom(11);
        double[] v = new double[index.length];
        double gv = 0;
        for (int k = 0; k < index.length; k++) {
            v[k] = r.nextDouble() * 2 - 1;
            gv += v[k] * grad[k];
        }
        float[] wp = w.clone();
        float[] wm = w.clone();
        for (int k = 0; k < index.length; k++) {
            wp[index[k]] += (float) (H * v[k]);
            wm[index[k]] -= (float) (H * v[k]);
        }
        be.upload(wp, 0, value);
        double plus = lossOf.applyAsDouble(model.evaluateLoss(b));
        be.upload(wm, 0, value);
        double minus = lossOf.applyAsDouble(model.evaluateLoss(b));
        be.upload(w, 0, value);
        double fdv = (plus - minus) / (2 * H);
        assertThat(Math.abs(fdv - gv))
                .as("directional derivative of %s: finite difference %s vs analytic %s", p, fdv, gv)
                .isLessThanOrEqualTo(5e-4 + 1e-2 * Math.abs(gv));
        assertThat(maxAbs).as("gradient of %s is not identically zero", p).isGreaterThan(0);
    }
}
