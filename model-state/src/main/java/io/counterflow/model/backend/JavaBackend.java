package io.counterflow.model.backend;

import java.nio.FloatBuffer;

/**
 * The pure-Java reference backend: heap tensors and a plain triple-loop GEMM. Slow, simple, and bit-for-bit
 * deterministic for a given seed and input order; the other backends are tested against it.
 */
final class JavaBackend extends CpuBackend {

    static final class HeapTensor extends CpuTensor {
        HeapTensor(Backend owner, int rows, int cols) {
            super(owner, rows, cols, FloatBuffer.wrap(new float[rows * cols]));
        }
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    protected Tensor allocateK(int rows, int cols) {
        return new HeapTensor(this, rows, cols);
    }

    @Override
    protected void gemmK(boolean ta, boolean tb, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c) {
        float[] av = buf(a).array();
        float[] bv = buf(b).array();
        float[] cv = buf(c).array();
        int lda = a.cols();
        int ldb = b.cols();
        int ldc = c.cols();
        float[] row = new float[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(row, 0f);
            for (int p = 0; p < k; p++) {
                float aip = ta ? av[p * lda + i] : av[i * lda + p];
                if (aip == 0f) {
                    continue;
                }
                if (tb) {
                    for (int j = 0; j < n; j++) {
                        row[j] += aip * bv[j * ldb + p];
                    }
                } else {
                    int b0 = p * ldb;
                    for (int j = 0; j < n; j++) {
                        row[j] += aip * bv[b0 + j];
                    }
                }
            }
            int c0 = i * ldc;
            for (int j = 0; j < n; j++) {
                cv[c0 + j] = alpha * row[j] + (beta == 0f ? 0f : beta * cv[c0 + j]);
            }
        }
    }

    @Override
    public void close() {}
}
