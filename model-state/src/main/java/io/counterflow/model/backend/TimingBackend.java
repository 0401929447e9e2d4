package io.counterflow.model.backend;

import io.counterflow.model.feature.EncodedBatch;

/**
 * A {@link Backend} decorator that delegates every call and adds its wall time (System.nanoTime) to a per-kernel
 * total. GEMMs are split by transpose flags, which in this model identify their role: {@code N·N} forward
 * layers (and the DCMT wide part), {@code Tᵀ·N} weight gradients, {@code N·Nᵀ} input gradients. Tensors are
 * allocated by (and owned by) the wrapped backend. Measures host time: exact for the CPU backends; an asynchronous
 * device backend would need a synchronising call to attribute time. Not thread-safe, like any backend. Used by
 * {@code counterflow bench --profile} and, with {@code counterflow.train.kernel-timing}, by the training operator.
 */
public final class TimingBackend implements Backend {

    /** The timed kernels, in report order. */
    public enum Kernel {
        UPLOAD_BATCH("uploadBatch"), EMBED("embed"), GEMM_FORWARD("gemm N·N (forward)"), ADD_BIAS("addBias"),
        RELU("relu"), SOFTMAX("softmaxRows"), MIX_EXPERTS("mixExperts"), OBJECTIVE("objective"),
        RELU_BACKWARD("reluBackward"), SUM_ROWS("sumRows (bias grad)"), GEMM_WEIGHT_GRAD("gemm Tᵀ·N (weight grad)"),
        GEMM_INPUT_GRAD("gemm N·Tᵀ (input grad)"), GEMM_OTHER("gemm Tᵀ·Tᵀ"), SOFTMAX_BACKWARD("softmaxBackward"),
        MIX_EXPERTS_BACKWARD("mixExpertsBackward"), EMBED_BACKWARD("embedBackward"), ADAM("adam (dense)"),
        SPARSE_ADAM("sparseAdam"), SPARSE_ADAGRAD("sparseAdagrad"), MEMORY("upload/download/fill/copy");

        public final String label;

        Kernel(String label) {
            this.label = label;
        }
    }

    private final Backend inner;
    private final long[] nanos = new long[Kernel.values().length];
    private final long[] calls = new long[Kernel.values().length];
    private long gemmFlops;

    public TimingBackend(Backend inner) {
        this.inner = inner;
    }

    /** Total nanoseconds spent in a kernel since the last {@link #reset}. */
    public long nanos(Kernel k) {
        return nanos[k.ordinal()];
    }

    /** Calls of a kernel since the last {@link #reset}. */
    public long calls(Kernel k) {
        return calls[k.ordinal()];
    }

    /** Floating-point operations (2·m·n·k per call) of every GEMM since the last {@link #reset}. */
    public long gemmFlops() {
        return gemmFlops;
    }

    public void reset() {
        gemmFlops = 0;
        java.util.Arrays.fill(nanos, 0);
        java.util.Arrays.fill(calls, 0);
    }

    private void add(Kernel k, long start) {
        nanos[k.ordinal()] += System.nanoTime() - start;
        calls[k.ordinal()]++;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return inner.allocate(rows, cols);
    }

    @Override
    public void upload(float[] src, int off, Tensor dst) {
        long t = System.nanoTime();
        inner.upload(src, off, dst);
        add(Kernel.MEMORY, t);
    }

    @Override
    public void download(Tensor src, float[] dst, int off) {
        long t = System.nanoTime();
        inner.download(src, dst, off);
        add(Kernel.MEMORY, t);
    }

    @Override
    public void fill(Tensor tensor, float value) {
        long t = System.nanoTime();
        inner.fill(tensor, value);
        add(Kernel.MEMORY, t);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        long t = System.nanoTime();
        inner.copy(src, dst);
        add(Kernel.MEMORY, t);
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        long t = System.nanoTime();
        inner.gemm(transA, transB, alpha, a, b, beta, c);
        gemmFlops += 2L * c.rows() * c.cols() * (transA ? a.rows() : a.cols());
        add(!transA && !transB ? Kernel.GEMM_FORWARD
                : transA && !transB ? Kernel.GEMM_WEIGHT_GRAD
                : !transA ? Kernel.GEMM_INPUT_GRAD : Kernel.GEMM_OTHER, t);
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        long t = System.nanoTime();
        inner.addBias(y, bias);
        add(Kernel.ADD_BIAS, t);
    }

    @Override
    public void relu(Tensor y) {
        long t = System.nanoTime();
        inner.relu(y);
        add(Kernel.RELU, t);
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy) {
        long t = System.nanoTime();
        inner.reluBackward(y, dy);
        add(Kernel.RELU_BACKWARD, t);
    }

    @Override
    public void sumRows(Tensor dy, float beta, Tensor out) {
        long t = System.nanoTime();
        inner.sumRows(dy, beta, out);
        add(Kernel.SUM_ROWS, t);
    }

    @Override
    public void softmaxRows(Tensor z) {
        long t = System.nanoTime();
        inner.softmaxRows(z);
        add(Kernel.SOFTMAX, t);
    }

    @Override
    public void softmaxBackward(Tensor g, Tensor d) {
        long t = System.nanoTime();
        inner.softmaxBackward(g, d);
        add(Kernel.SOFTMAX_BACKWARD, t);
    }

    @Override
    public void mixExperts(Tensor e, Tensor g, Tensor out) {
        long t = System.nanoTime();
        inner.mixExperts(e, g, out);
        add(Kernel.MIX_EXPERTS, t);
    }

    @Override
    public void mixExpertsBackward(Tensor e, Tensor g, Tensor dOut, float beta, Tensor dE, Tensor dG) {
        long t = System.nanoTime();
        inner.mixExpertsBackward(e, g, dOut, beta, dE, dG);
        add(Kernel.MIX_EXPERTS_BACKWARD, t);
    }

    @Override
    public void embed(Tensor table, EncodedBatch batch, Tensor x) {
        long t = System.nanoTime();
        inner.embed(table, batch, x);
        add(Kernel.EMBED, t);
    }

    @Override
    public void embedBackward(Tensor dx, EncodedBatch batch, Tensor gradRows) {
        long t = System.nanoTime();
        inner.embedBackward(dx, batch, gradRows);
        add(Kernel.EMBED_BACKWARD, t);
    }

    @Override
    public void uploadBatch(EncodedBatch batch) {
        long t = System.nanoTime();
        inner.uploadBatch(batch);
        add(Kernel.UPLOAD_BATCH, t);
    }

    @Override
    public void adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamStep s) {
        long t = System.nanoTime();
        inner.adam(w, g, m, v, s);
        add(Kernel.ADAM, t);
    }

    @Override
    public void sparseAdam(Tensor table, Tensor m, Tensor v, Tensor gradRows, EncodedBatch batch, AdamStep s) {
        long t = System.nanoTime();
        inner.sparseAdam(table, m, v, gradRows, batch, s);
        add(Kernel.SPARSE_ADAM, t);
    }

    @Override
    public void sparseAdagrad(Tensor table, Tensor acc, Tensor gradRows, EncodedBatch batch, AdamStep s) {
        long t = System.nanoTime();
        inner.sparseAdagrad(table, acc, gradRows, batch, s);
        add(Kernel.SPARSE_ADAGRAD, t);
    }

    @Override
    public void close() {
        inner.close();
    }
}
