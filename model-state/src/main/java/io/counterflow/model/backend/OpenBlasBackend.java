package io.counterflow.model.backend;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS backend: tensors live off-heap (a {@link FloatPointer}, viewed as a direct FloatBuffer by the
 * shared element-wise kernels) and GEMM is {@code cblas_sgemm} on the pointers, with no copy across JNI.
 * OpenBLAS runs single-threaded ({@code blas_set_num_threads(1)}): on shared cores more threads were slower
 * and erratic, and Counterflow scales with Flink parallelism instead.
 */
final class OpenBlasBackend extends CpuBackend {

    static final class OffHeapTensor extends CpuTensor {
        final FloatPointer ptr;

        OffHeapTensor(Backend owner, int rows, int cols, FloatPointer ptr) {
            super(owner, rows, cols, ptr.asBuffer());
            this.ptr = ptr;
        }

        @Override
        public void close() {
            ptr.close();
        }
    }

    private static volatile boolean loaded;

    OpenBlasBackend() {
        loadNative();
    }

    /** Loads OpenBLAS once; throws if the natives cannot load on this platform. */
    static void loadNative() {
        if (!loaded) {
            synchronized (OpenBlasBackend.class) {
                if (!loaded) {
                    Loader.load(openblas_nolapack.class);
                    openblas_nolapack.blas_set_num_threads(1);
                    loaded = true;
                }
            }
        }
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    protected Tensor allocateK(int rows, int cols) {
        FloatPointer p = new FloatPointer((long) rows * cols);
        p.zero();
        return new OffHeapTensor(this, rows, cols, p);
    }

    @Override
    protected void gemmK(boolean ta, boolean tb, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c) {
        openblas_nolapack.cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, ((OffHeapTensor) a).ptr, a.cols(), ((OffHeapTensor) b).ptr, b.cols(), beta,
                ((OffHeapTensor) c).ptr, c.cols());
    }

    /** A vector of ones, at least as long as the largest active row count seen (for bias and its gradient). */
    private FloatPointer ones = new FloatPointer(0L);
    private long onesLength;

    private FloatPointer ones(int n) {
        if (onesLength < n) {
            ones.close();
            long len = Math.max(n, 2 * onesLength);
            ones = new FloatPointer(len);
            for (long i = 0; i < len; i++) {
                ones.put(i, 1f);
            }
            onesLength = len;
        }
        return ones;
    }

    /** y += 1·biasᵀ as a rank-1 update (sger): each element gets exactly y + b, as in the Java loop. */
    @Override
    protected void addBiasK(Tensor y, Tensor bias) {
        int rows = y.rows();
        if (rows == 0) {
            return;
        }
        openblas_nolapack.cblas_sger(CblasRowMajor, rows, y.cols(), 1f, ones(rows), 1, ((OffHeapTensor) bias).ptr,
                1, ((OffHeapTensor) y).ptr, y.cols());
    }

    /**
     * out = beta·out + dyᵀ·1 (sgemv). Sums in BLAS order, so it differs from the Java loop by rounding only.
     * beta = 0 zeroes out first: BLAS implementations disagree on whether 0·NaN in y stays NaN.
     */
    @Override
    protected void sumRowsK(Tensor dy, float beta, Tensor out) {
        int rows = dy.rows();
        if (rows == 0) {
            super.sumRowsK(dy, beta, out);
            return;
        }
        FloatPointer o = ((OffHeapTensor) out).ptr;
        if (beta == 0f) {
            o.zero();
        }
        openblas_nolapack.cblas_sgemv(CblasRowMajor, CblasTrans, rows, dy.cols(), 1f, ((OffHeapTensor) dy).ptr,
                dy.cols(), ones(rows), 1, beta, o, 1);
    }

    @Override
    public void close() {
        ones.close();
    }
}
