package io.counterflow.model.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.Emission;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.objective.Head;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.Objective;
import io.counterflow.model.objective.Objectives;
import io.counterflow.model.objective.Phase;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Monte Carlo check of the delayed-feedback weights: for every objective and every correcting policy, the
 * weighted loss over the rows a policy emits equals the loss over the same impressions with their final labels
 * (the weights use the true conversion probability and the true delay survival, as the derivation assumes). The
 * same rows unweighted must miss by much more, so the test could fail.
 */
class UnbiasedWeightsTest {
    private static final int IMPRESSIONS = 40_000;
    /** Independent worlds: the test compares the mean difference with its standard error. */
    private static final int WORLDS = 12;
    /** True survival S(c) of the simulated delays at the policy's elapsed time (es-dfm, defer). */
    private static final double SURVIVAL = 0.6;

    static Stream<Arguments> cases() {
        List<Arguments> l = new ArrayList<>();
        for (String o : Objectives.names()) {
            for (Labeling p : new Labeling[] {Labeling.FNW, Labeling.ES_DFM, Labeling.DEFER}) {
                l.add(Arguments.of(o, p));
            }
        }
        return l.stream();
    }

    /** One simulated impression: logits of every head, the true conversion probability, and its outcome. */
    private static final class World {
        final float[][] z = new float[Head.COUNT][IMPRESSIONS];
        final float[] click = new float[IMPRESSIONS];
        final float[] conversion = new float[IMPRESSIONS];
        final float[] p = new float[IMPRESSIONS];
        /** Whether a conversion arrived after the elapsed time c (a delayed positive). */
        final boolean[] late = new boolean[IMPRESSIONS];

        World(long seed, double survival) {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < IMPRESSIONS; i++) {
                for (int h = 0; h < Head.COUNT; h++) {
                    z[h][i] = (float) (r.nextGaussian() * 1.2 + (h == 0 ? -0.5 : -1.5));
                }
                click[i] = r.nextDouble() < 0.3 ? 1 : 0;
                p[i] = (float) (0.05 + 0.5 * r.nextDouble());
                if (click[i] == 1 && r.nextDouble() < p[i]) {
                    conversion[i] = 1;
                    late[i] = r.nextDouble() < survival;
                }
            }
        }
    }

    /** The rows of a policy; weighted or all weights 1. */
    private static EncodedBatch emitted(World w, Labeling policy, boolean weighted, float[][] zRows) {
        double s = policy == Labeling.FNW ? 1 : SURVIVAL;
        List<int[]> rows = new ArrayList<>(); // {impression, emission ordinal, conversion label}
        for (int i = 0; i < IMPRESSIONS; i++) {
            if (w.click[i] == 0) {
                rows.add(new int[] {i, Emission.FINAL.ordinal(), 0});
                continue;
            }
            boolean conv = w.conversion[i] == 1;
            boolean late = policy == Labeling.FNW ? conv : w.late[i];
            boolean early = conv && !late;
            rows.add(new int[] {i, Emission.FIRST.ordinal(), early ? 1 : 0});
            if (conv && late) {
                rows.add(new int[] {i, Emission.CORRECTION.ordinal(), 1});
            }
            if (policy == Labeling.DEFER && !(conv && late)) {
                rows.add(new int[] {i, Emission.FINAL_COPY.ordinal(), conv ? 1 : 0});
            }
        }
        EncodedBatch b = new EncodedBatch(rows.size(), 0, 0, 0);
        b.n = rows.size();
        for (int k = 0; k < rows.size(); k++) {
            int[] row = rows.get(k);
            int i = row[0];
            Emission e = Emission.values()[row[1]];
            for (int h = 0; h < Head.COUNT; h++) {
                zRows[h][k] = w.z[h][i];
            }
            b.click[k] = w.click[i];
            b.conversion[k] = row[2];
            b.impressionWeight[k] = e == Emission.FINAL || e == Emission.FIRST ? 1f : 0f;
            b.labelWeight[k] = !weighted || w.click[i] == 0 ? 1f
                    : (float) FeedbackCorrection.weight(policy, e, row[2] == 1, w.p[i], s);
        }
        return b;
    }

    private static double[] loss(Objective f, float[][] z, EncodedBatch b) {
        float[][] dz = new float[Head.COUNT][];
        float[][] zz = new float[Head.COUNT][];
        for (Head h : f.heads()) {
            zz[h.ordinal()] = z[h.ordinal()];
            dz[h.ordinal()] = new float[b.n];
        }
        LossTerms t = new LossTerms();
        f.evaluate(Phase.JOINT, zz, b, dz, t);
        if (System.getenv("MC_DEBUG") != null) {
            System.err.println(f.name() + " " + t);
        }
        assertThat(t.finite).isTrue();
        return new double[] {t.ctr, t.cvr, t.ctcvr, t.imputation, t.counterfactual};
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void weightedRiskOverTheEmittedRowsIsTheFinalLabelRisk(String objective, Labeling policy) {
        Objective f = new Settings().set(Settings.OBJECTIVE, objective).objective();
        int terms = 5;
        double[][] dWeighted = new double[terms][WORLDS];
        double[][] dPlain = new double[terms][WORLDS];
        double[] scale = new double[terms];
        float[][] zRows = new float[Head.COUNT][3 * IMPRESSIONS];
        for (int j = 0; j < WORLDS; j++) {
            World w = new World(100 + j, SURVIVAL);
            EncodedBatch fin = new EncodedBatch(IMPRESSIONS, 0, 0, 0);
            fin.n = IMPRESSIONS;
            System.arraycopy(w.click, 0, fin.click, 0, IMPRESSIONS);
            System.arraycopy(w.conversion, 0, fin.conversion, 0, IMPRESSIONS);
            double[] truth = loss(f, w.z, fin);
            double[] weighted = loss(f, zRows, emitted(w, policy, true, zRows));
            double[] plain = loss(f, zRows, emitted(w, policy, false, zRows));
            for (int k = 0; k < terms; k++) {
                dWeighted[k][j] = weighted[k] - truth[k];
                dPlain[k][j] = plain[k] - truth[k];
                scale[k] = Math.max(scale[k], Math.abs(truth[k]));
            }
        }
        // Term by term (ctr, cvr, ctcvr, imputation, counterfactual): the unweighted rows' biases can cancel in the
        // total. Paired differences have zero mean when the weights are right; their noise is measured.
        double plainZ = 0;
        for (int k = 0; k < terms; k++) {
            double m = mean(dWeighted[k]);
            double se = stdErr(dWeighted[k]);
            assertThat(Math.abs(m)).as("term %d: mean(weighted − final) = %.6f, standard error %.6f (final ≈ %.4f)",
                    k, m, se, scale[k]).isLessThanOrEqualTo(4 * se + 1e-5 * scale[k] + 1e-9);
            double mp = mean(dPlain[k]);
            double sp = stdErr(dPlain[k]);
            plainZ = Math.max(plainZ, sp == 0 ? (mp == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.abs(mp) / sp);
        }
        assertThat(plainZ).as("the unweighted rows must be visibly biased (max |mean|/se over the terms)")
                .isGreaterThan(10);
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static double stdErr(double[] x) {
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (x.length - 1) / x.length);
    }
}
