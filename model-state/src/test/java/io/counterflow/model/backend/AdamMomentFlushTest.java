package io.counterflow.model.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.ParityFixture.Twin;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU backends' Adam never leaves a moment subnormal: a weight whose gradient stays 0 has its moments decay
 * into the subnormal range, where plain float arithmetic keeps them for good (0.9 × a few ulps rounds back to the
 * same ulps) and makes every later update of them slow. Below {@link CpuBackend#FLUSH} a moment is stored as 0;
 * in the range real gradients produce, the update is bit-identical to the textbook one.
 */
class AdamMomentFlushTest {
    private static final int ROWS = 17;
    private static final int COLS = 9;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openblas", "java"})
    void momentsOfAWeightWhoseGradientStaysZeroEndExactlyZero(String backend) {
        SplittableRandom rnd = new SplittableRandom(31);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            Backend be = fx.sub;
            Twin w = fx.random(ROWS, COLS, rnd, -1, 1);
            Twin m = fx.filled(ROWS, COLS, 0f);
            Twin v = fx.filled(ROWS, COLS, 0f);
            Twin g = fx.random(ROWS, COLS, rnd, -1e-3, 1e-3);
            Twin zero = fx.filled(ROWS, COLS, 0f);
            AdamStep s = new AdamStep(0.01f, 0.9f, 0.99f, 1e-8f, 0f);
            be.adam(w.sub, g.sub, m.sub, v.sub, s.forStep(1));
            int subnormalSeen = 0;
            for (int t = 2; t <= 6000; t++) {
                be.adam(w.sub, zero.sub, m.sub, v.sub, s.forStep(t));
                if (t % 500 == 0) {
                    subnormalSeen += subnormals(ParityFixture.full(m.sub)) + subnormals(ParityFixture.full(v.sub));
                }
            }
            assertThat(subnormalSeen).as("subnormal moments seen along the way").isZero();
            assertThat(ParityFixture.full(m.sub)).as("m after 6000 zero gradients").containsOnly(0f);
            assertThat(ParityFixture.full(v.sub)).as("v after 6000 zero gradients").containsOnly(0f);
            for (float x : ParityFixture.full(w.sub)) {
                assertThat(Float.isFinite(x)).isTrue();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openblas", "java"})
    void typicalMomentsGetExactlyTheTextbookUpdate(String backend) {
        SplittableRandom rnd = new SplittableRandom(32);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (float l2 : new float[] {0f, 0.01f}) {
                float[] w = ParityFixture.values(ROWS * COLS, rnd, -1, 1);
                float[] m = ParityFixture.values(ROWS * COLS, rnd, -0.1, 0.1);
                float[] v = ParityFixture.values(ROWS * COLS, rnd, 1e-8, 0.01);
                Twin tw = fx.of(ROWS, COLS, w);
                Twin tm = fx.of(ROWS, COLS, m);
                Twin tv = fx.of(ROWS, COLS, v);
                AdamStep s = new AdamStep(0.01f, 0.9f, 0.999f, 1e-8f, l2);
                for (int t = 1; t <= 3; t++) {
                    float[] g = ParityFixture.values(ROWS * COLS, rnd, -1, 1);
                    s.forStep(t);
                    fx.sub.adam(tw.sub, fx.of(ROWS, COLS, g).sub, tm.sub, tv.sub, s);
                    textbook(w, g, m, v, s);
                }
                assertThat(ParityFixture.full(tw.sub)).as("w, l2=" + l2).containsExactly(w);
                assertThat(ParityFixture.full(tm.sub)).as("m, l2=" + l2).containsExactly(m);
                assertThat(ParityFixture.full(tv.sub)).as("v, l2=" + l2).containsExactly(v);
            }
        }
    }

    /** Adam (with L2 added to the gradient) in the kernels' order of operations, without the flush. */
    private static void textbook(float[] w, float[] g, float[] m, float[] v, AdamStep s) {
        float c1 = 1f / s.bias1;
        float c2 = 1f / s.bias2;
        for (int i = 0; i < w.length; i++) {
            float gv = g[i] + s.l2 * w[i];
            m[i] = s.beta1 * m[i] + (1f - s.beta1) * gv;
            v[i] = s.beta2 * v[i] + (1f - s.beta2) * gv * gv;
            w[i] = w[i] - s.lr * (m[i] * c1) / ((float) Math.sqrt(v[i] * c2) + s.eps);
        }
    }

    private static int subnormals(float[] xs) {
        int n = 0;
        for (float x : xs) {
            if (x != 0f && Math.abs(x) < Float.MIN_NORMAL) {
                n++;
            }
        }
        return n;
    }
}
