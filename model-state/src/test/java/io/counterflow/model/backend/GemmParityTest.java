package io.counterflow.model.backend;

import static io.counterflow.model.backend.ParityFixture.ELEMENTWISE_EXACT;
import static io.counterflow.model.backend.ParityFixture.GEMM_RELATIVE;
import static io.counterflow.model.backend.ParityFixture.assertClose;
import static io.counterflow.model.backend.ParityFixture.assertParity;
import static io.counterflow.model.backend.ParityFixture.full;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.ParityFixture.Tolerance;
import io.counterflow.model.backend.ParityFixture.Twin;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code gemm} on every backend against the Java reference, and the reference against a double-precision
 * oracle: all four transpose combinations, several alpha/beta pairs (beta = 0 must ignore NaN garbage in C),
 * shapes from tiny to a k that crosses BLAS blocking, and active rows below capacity.
 */
class GemmParityTest {

    /** m, n, k. */
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 5, 3}, {33, 17, 65}, {64, 48, 300}};

    /** alpha, beta, and whether C starts as NaN garbage. */
    private static final Object[][] SCALARS = {
        {1f, 0f, false}, {1f, 0f, true}, {0.5f, 1f, false}, {-2f, 0.25f, false}, {0f, 1f, false}
    };

    static Stream<Arguments> cases() {
        List<Arguments> l = new ArrayList<>();
        ParityFixture.backendNames().forEach(name -> {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (Object[] s : SCALARS) {
                        l.add(Arguments.of(name, ta, tb, s[0], s[1], s[2]));
                    }
                }
            }
        });
        return l.stream();
    }

    @ParameterizedTest(name = "{0}: transA={1} transB={2} alpha={3} beta={4} nanC={5}")
    @MethodSource("cases")
    void gemmMatchesReference(String backend, boolean ta, boolean tb, float alpha, float beta, boolean nanC) {
        SplittableRandom rnd = new SplittableRandom(17);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (int[] shape : SHAPES) {
                int m = shape[0];
                int n = shape[1];
                int k = shape[2];
                float[] a = ParityFixture.values(m * k, rnd, -1, 1);
                float[] b = ParityFixture.values(k * n, rnd, -1, 1);
                float[] c0 = nanC ? nan(m * n) : ParityFixture.values(m * n, rnd, -1, 1);
                Twin ta2 = ta ? fx.of(k, m, a) : fx.of(m, k, a);
                Twin tb2 = tb ? fx.of(n, k, b) : fx.of(k, n, b);
                Twin c = fx.of(m, n, c0);
                fx.ref.gemm(ta, tb, alpha, ta2.ref, tb2.ref, beta, c.ref);
                fx.sub.gemm(ta, tb, alpha, ta2.sub, tb2.sub, beta, c.sub);

                String what = "gemm " + m + "x" + n + "x" + k;
                double[] oracle = new double[m * n];
                double[] bound = new double[m * n];
                oracle(ta, tb, m, n, k, alpha, a, b, beta, c0, oracle, bound);
                float[] refOut = full(c.ref);
                for (int i = 0; i < oracle.length; i++) {
                    assertThat(Float.isFinite(refOut[i])).as(what + ": finite C[" + i + "]").isTrue();
                    assertThat(Math.abs(refOut[i] - oracle[i]))
                            .as(what + ": Java reference vs double oracle at " + i)
                            .isLessThanOrEqualTo(bound[i]);
                }
                assertParity(what, c, Tolerance.perElement("GEMM_RELATIVE", bound));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.counterflow.model.backend.ParityFixture#backendNames")
    void gemmTouchesOnlyActiveRows(String backend) {
        SplittableRandom rnd = new SplittableRandom(3);
        int cap = 10;
        int active = 6;
        try (ParityFixture fx = ParityFixture.open(backend)) {
            // Forward: y = x·W on the batch's active rows; the rows past them keep their sentinel.
            Twin x = fx.random(cap, 5, rnd, -1, 1).setRows(active);
            Twin w = fx.random(5, 4, rnd, -1, 1);
            Twin y = fx.filled(cap, 4, 42f).setRows(active);
            fx.ref.gemm(false, false, 1f, x.ref, w.ref, 0f, y.ref);
            fx.sub.gemm(false, false, 1f, x.sub, w.sub, 0f, y.sub);
            assertParity("y = x·W", y, Tolerance.absolute("GEMM_RELATIVE", cap * 4, GEMM_RELATIVE * 5 * 5));
            float[] out = full(y.sub);
            for (int i = active * 4; i < out.length; i++) {
                assertThat(out[i]).as("inactive row element " + i).isEqualTo(42f);
            }
            // Weight gradient: gW = xᵀ·dy sums over the active rows only (garbage below them is ignored).
            Twin dy = fx.random(cap, 4, rnd, -1, 1).setRows(active);
            Twin gw = fx.filled(5, 4, Float.NaN);
            fx.ref.gemm(true, false, 1f, x.ref, dy.ref, 0f, gw.ref);
            fx.sub.gemm(true, false, 1f, x.sub, dy.sub, 0f, gw.sub);
            assertParity("gW = xᵀ·dy", gw, Tolerance.absolute("GEMM_RELATIVE", 20, GEMM_RELATIVE * active * active));
            x.setRows(cap);
            dy.setRows(cap);
            Twin all = fx.filled(5, 4, 0f);
            fx.ref.gemm(true, false, 1f, x.ref, dy.ref, 0f, all.ref);
            assertThat(full(all.ref)).as("the full-capacity product differs").isNotEqualTo(full(gw.ref));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.counterflow.model.backend.ParityFixture#backendNames")
    void gemmWithZeroAlphaAndBetaOneLeavesCExactly(String backend) {
        SplittableRandom rnd = new SplittableRandom(5);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            Twin a = fx.random(8, 3, rnd, -1, 1);
            Twin b = fx.random(3, 6, rnd, -1, 1);
            float[] c0 = ParityFixture.values(48, rnd, -1, 1);
            Twin c = fx.of(8, 6, c0);
            fx.sub.gemm(false, false, 0f, a.sub, b.sub, 1f, c.sub);
            assertClose("C = 0·AB + 1·C", full(c.sub), c0, ELEMENTWISE_EXACT);
        }
    }

    private static float[] nan(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }

    /**
     * C = alpha·op(A)·op(B) + beta·C in double, and the per-element error bound GEMM_RELATIVE · (k + 2) ·
     * (|alpha|·Σ_p |a_ip b_pj| + |beta c_ij|) (beta = 0 ignores C, NaN included).
     */
    private static void oracle(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, float[] b,
            float beta, float[] c, double[] out, double[] bound) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[p * m + i] : a[i * k + p];
                    double y = tb ? b[j * k + p] : b[p * n + j];
                    s += x * y;
                    abs += Math.abs(x * y);
                }
                double prev = beta == 0f ? 0 : (double) beta * c[i * n + j];
                out[i * n + j] = alpha * s + prev;
                bound[i * n + j] = GEMM_RELATIVE * (k + 2) * (Math.abs(alpha) * abs + Math.abs(prev)) + Float.MIN_NORMAL;
            }
        }
    }
}
