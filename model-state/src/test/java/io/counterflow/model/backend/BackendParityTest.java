package io.counterflow.model.backend;

import static io.counterflow.model.backend.ParityFixture.ELEMENTWISE_EXACT;
import static io.counterflow.model.backend.ParityFixture.REDUCTION_RELATIVE;
import static io.counterflow.model.backend.ParityFixture.assertClose;
import static io.counterflow.model.backend.ParityFixture.assertParity;
import static io.counterflow.model.backend.ParityFixture.full;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.ParityFixture.Tolerance;
import io.counterflow.model.backend.ParityFixture.Twin;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Memory and element-wise kernels on every backend against the Java reference: upload/download, fill, copy,
 * addBias, relu, reluBackward, sumRows, softmaxRows, softmaxBackward, mixExperts, mixExpertsBackward. Tensors
 * have fewer active rows than capacity and a sentinel below them, so a kernel that writes past the active
 * rows fails the comparison. GEMM, the embedding, the objective and the optimisers have their own classes.
 */
class BackendParityTest {
    private static final String BACKENDS = "io.counterflow.model.backend.ParityFixture#backendNames";
    private static final int CAP = 13;
    private static final int ACTIVE = 9;

    @Test
    void openBlasIsAvailableOnLinuxX86() {
        if (ParityFixture.linuxX86()) {
            try (Backend be = Backends.create("openblas")) {
                assertThat(be.name()).isEqualTo("openblas");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void uploadThenDownloadRoundTripsExactly(String backend) {
        SplittableRandom rnd = new SplittableRandom(1);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            float[] src = ParityFixture.values(40, rnd, -3, 3);
            src[5] = Float.NaN;
            src[6] = Float.POSITIVE_INFINITY;
            src[7] = -0f;
            src[8] = Float.MIN_VALUE;
            Tensor t = fx.sub.allocate(4, 7);
            fx.sub.upload(src, 5, t);
            float[] back = new float[30];
            Arrays.fill(back, 9f);
            fx.sub.download(t, back, 1);
            assertThat(back[0]).isEqualTo(9f);
            assertThat(back[29]).isEqualTo(9f);
            assertClose("round trip", Arrays.copyOfRange(back, 1, 29), Arrays.copyOfRange(src, 5, 33),
                    ELEMENTWISE_EXACT);
            assertThat(Float.floatToRawIntBits(back[3])).as("-0 keeps its sign").isEqualTo(Float.floatToRawIntBits(-0f));
            assertThat(back[4]).as("subnormal").isEqualTo(Float.MIN_VALUE);
            t.setRows(2);
            float[] part = new float[14];
            fx.sub.download(t, part, 0);
            assertClose("active rows only", part, Arrays.copyOfRange(src, 5, 19), ELEMENTWISE_EXACT);
            t.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void allocateZeroFillsAndFillCoversCapacity(String backend) {
        try (ParityFixture fx = ParityFixture.open(backend)) {
            Tensor t = fx.sub.allocate(CAP, 5);
            assertThat(full(t)).containsOnly(0f);
            t.setRows(2);
            fx.sub.fill(t, -1.5f);
            assertThat(full(t)).containsOnly(-1.5f);
            t.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void copy(String backend) {
        SplittableRandom rnd = new SplittableRandom(2);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            Twin src = fx.random(CAP, 6, rnd, -2, 2).setRows(ACTIVE);
            Twin dst = fx.filled(CAP, 6, 7f).setRows(ACTIVE);
            fx.ref.copy(src.ref, dst.ref);
            fx.sub.copy(src.sub, dst.sub);
            assertParity("copy", dst, ELEMENTWISE_EXACT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void addBias(String backend) {
        SplittableRandom rnd = new SplittableRandom(3);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (int cols : new int[] {1, 7, 64}) {
                Twin y = fx.random(CAP, cols, rnd, -2, 2).setRows(ACTIVE);
                Twin bias = fx.random(1, cols, rnd, -1, 1);
                fx.ref.addBias(y.ref, bias.ref);
                fx.sub.addBias(y.sub, bias.sub);
                assertParity("addBias " + cols, y, ELEMENTWISE_EXACT);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void reluAndItsBackward(String backend) {
        SplittableRandom rnd = new SplittableRandom(4);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            float[] v = ParityFixture.values(CAP * 11, rnd, -1, 1);
            v[0] = 0f;
            v[1] = -0f;
            v[2] = Float.NaN;
            v[3] = Float.NEGATIVE_INFINITY;
            Twin y = fx.of(CAP, 11, v).setRows(ACTIVE);
            fx.ref.relu(y.ref);
            fx.sub.relu(y.sub);
            assertParity("relu", y, ELEMENTWISE_EXACT);
            // NaN propagates (as Math.max does), so a NaN activation reaches the loss and the batch is skipped.
            assertThat(full(y.sub)[2]).as("relu(NaN)").isNaN();
            Twin dy = fx.random(CAP, 11, rnd, -1, 1).setRows(ACTIVE);
            fx.ref.reluBackward(y.ref, dy.ref);
            fx.sub.reluBackward(y.sub, dy.sub);
            assertParity("reluBackward", dy, ELEMENTWISE_EXACT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void sumRowsOverwritesOrAccumulates(String backend) {
        SplittableRandom rnd = new SplittableRandom(5);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (int rows : new int[] {1, ACTIVE, 300}) {
                for (float beta : new float[] {0f, 1f, 0.5f}) {
                    int cols = 37;
                    float[] d = ParityFixture.values((rows + 2) * cols, rnd, -1, 1);
                    Twin dy = fx.of(rows + 2, cols, d).setRows(rows);
                    float[] o0 = beta == 0f ? nan(cols) : ParityFixture.values(cols, rnd, -1, 1);
                    Twin out = fx.of(1, cols, o0);
                    fx.ref.sumRows(dy.ref, beta, out.ref);
                    fx.sub.sumRows(dy.sub, beta, out.sub);
                    double[] bound = new double[cols];
                    for (int j = 0; j < cols; j++) {
                        double abs = beta == 0f ? 0 : Math.abs(beta * o0[j]);
                        for (int i = 0; i < rows; i++) {
                            abs += Math.abs(d[i * cols + j]);
                        }
                        bound[j] = REDUCTION_RELATIVE * (rows + 1) * abs;
                    }
                    assertThat(full(out.ref)).as("beta 0 ignores NaN").doesNotContain(Float.NaN);
                    assertParity("sumRows rows=" + rows + " beta=" + beta, out,
                            Tolerance.perElement("REDUCTION_RELATIVE", bound));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void softmaxRowsAndBackward(String backend) {
        SplittableRandom rnd = new SplittableRandom(6);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (int k : new int[] {1, 2, 4, 9}) {
                float[] z = ParityFixture.values(CAP * k, rnd, -5, 5);
                z[0] = 80f; // exp overflows without the max shift
                Twin g = fx.of(CAP, k, z).setRows(ACTIVE);
                fx.ref.softmaxRows(g.ref);
                fx.sub.softmaxRows(g.sub);
                assertParity("softmaxRows k=" + k, g, ELEMENTWISE_EXACT);
                float[] p = full(g.sub);
                for (int i = 0; i < ACTIVE; i++) {
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        s += p[i * k + j];
                    }
                    assertThat(s).as("row %d sums to 1", i).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
                }
                Twin d = fx.random(CAP, k, rnd, -1, 1).setRows(ACTIVE);
                fx.ref.softmaxBackward(g.ref, d.ref);
                fx.sub.softmaxBackward(g.sub, d.sub);
                assertParity("softmaxBackward k=" + k, d, ELEMENTWISE_EXACT);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void mixExpertsAndBackward(String backend) {
        SplittableRandom rnd = new SplittableRandom(7);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (int[] kh : new int[][] {{1, 3}, {4, 8}, {3, 33}}) {
                int k = kh[0];
                int h = kh[1];
                Twin e = fx.random(CAP, k * h, rnd, -1, 1).setRows(ACTIVE);
                Twin g = fx.random(CAP, k, rnd, 0, 1).setRows(ACTIVE);
                Twin out = fx.filled(CAP, h, Float.NaN).setRows(ACTIVE);
                fx.ref.mixExperts(e.ref, g.ref, out.ref);
                fx.sub.mixExperts(e.sub, g.sub, out.sub);
                assertParity("mixExperts K=" + k + " h=" + h, out, ELEMENTWISE_EXACT);
                for (float beta : new float[] {0f, 1f}) {
                    Twin dOut = fx.random(CAP, h, rnd, -1, 1).setRows(ACTIVE);
                    Twin dE = beta == 0f ? fx.filled(CAP, k * h, Float.NaN) : fx.random(CAP, k * h, rnd, -1, 1);
                    dE.setRows(ACTIVE);
                    Twin dG = fx.filled(CAP, k, Float.NaN).setRows(ACTIVE);
                    fx.ref.mixExpertsBackward(e.ref, g.ref, dOut.ref, beta, dE.ref, dG.ref);
                    fx.sub.mixExpertsBackward(e.sub, g.sub, dOut.sub, beta, dE.sub, dG.sub);
                    assertParity("mixExpertsBackward dE beta=" + beta, dE, ELEMENTWISE_EXACT);
                    assertParity("mixExpertsBackward dG beta=" + beta, dG, ELEMENTWISE_EXACT);
                    float[] active = Arrays.copyOf(full(dE.sub), ACTIVE * k * h);
                    assertThat(active).as("beta 0 ignores NaN in dE").doesNotContain(Float.NaN);
                }
            }
        }
    }

    private static float[] nan(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }
}
