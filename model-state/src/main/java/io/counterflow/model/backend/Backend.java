package io.counterflow.model.backend;

import io.counterflow.model.feature.EncodedBatch;

/**
 * Compute backend: allocates tensors and runs kernels on them. Conventions for every kernel:
 *
 * <ul>
 *   <li>Matrices are row-major; kernels act on the active rows of their arguments, which must agree.
 *   <li>Outputs are written in place; "accumulate" means {@code out = beta·out + ...}, with {@code beta = 0}
 *       overwriting (old contents, NaN included, are ignored) and {@code beta = 1} adding.
 *   <li>Gradients follow the loss: {@code dX} is ∂L/∂X, and optimiser kernels step against it.
 *   <li>Calls are ordered: a kernel sees the results of every kernel called before it on this backend.
 *       Implementations may be asynchronous (a device stream) as long as {@link #download} observes that
 *       order.
 * </ul>
 *
 * Lifecycle: create (see {@link Backends}), allocate tensors, run steps, close the tensors, close the
 * backend. A backend and its tensors are used by one thread at a time.
 */
public interface Backend extends AutoCloseable {

    /** Short name used in settings and logs: {@code java}, {@code openblas}, {@code cuda}. */
    String name();

    /** A zero-filled tensor of {@code rows × cols}. */
    Tensor allocate(int rows, int cols);

    /** dst[0 .. dst.size()) = src[off ..]. */
    void upload(float[] src, int off, Tensor dst);

    /** dst[off ..] = src[0 .. src.size()). */
    void download(Tensor src, float[] dst, int off);

    /** t[:] = value (over the full capacity). */
    void fill(Tensor t, float value);

    /** dst = src (same shape). */
    void copy(Tensor src, Tensor dst);

    /** C = alpha · op(A) · op(B) + beta · C, op(X) = Xᵀ when the flag is set. */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /** y[i, :] += bias[0, :] for every active row i. */
    void addBias(Tensor y, Tensor bias);

    /** y = max(y, 0), in place; NaN stays NaN (so it reaches the loss and the batch is skipped), −0 becomes +0. */
    void relu(Tensor y);

    /** dy = dy ⊙ [y > 0], in place (y is the ReLU's output). */
    void reluBackward(Tensor y, Tensor dy);

    /** out[0, j] = beta · out[0, j] + Σ_i dy[i, j]. */
    void sumRows(Tensor dy, float beta, Tensor out);

    /** z[i, :] = softmax(z[i, :]), in place. */
    void softmaxRows(Tensor z);

    /** d[i, k] = g[i, k] · (d[i, k] − Σ_j g[i, j] d[i, j]), in place: ∂L/∂logits from ∂L/∂g, g = softmax. */
    void softmaxBackward(Tensor g, Tensor d);

    /** out[i, j] = Σ_k g[i, k] · e[i, k·h + j], with h = out.cols() (MMoE mixture of K = g.cols() experts). */
    void mixExperts(Tensor e, Tensor g, Tensor out);

    /**
     * Backward of {@link #mixExperts}: dE[i, k·h + j] = beta·dE + g[i, k] · dOut[i, j] and
     * dG[i, k] = Σ_j dOut[i, j] · e[i, k·h + j] (dG overwritten).
     */
    void mixExpertsBackward(Tensor e, Tensor g, Tensor dOut, float beta, Tensor dE, Tensor dG);

    /**
     * The input layer: x[i, f·D .. (f+1)·D) = table row of sample i's value of single-valued field f, then the
     * mean of the rows of each multi-valued field, then the standardised numeric values. Rows are looked up
     * through the batch's unique-row list, which {@link #uploadBatch} has made visible to this backend.
     */
    void embed(Tensor table, EncodedBatch batch, Tensor x);

    /**
     * Backward of {@link #embed}: gradRows[s, :] = Σ over the occurrences of unique row s of the matching
     * dX slice (divided by the pool size for multi-valued fields). gradRows is overwritten.
     */
    void embedBackward(Tensor dx, EncodedBatch batch, Tensor gradRows);

    /** Makes the batch's indices, numerics and labels visible to the kernels (a copy to the device, or none). */
    void uploadBatch(EncodedBatch batch);

    /**
     * Dense Adam with L2: g' = g + l2·w; m = β1 m + (1−β1) g'; v = β2 v + (1−β2) g'²;
     * w −= lr·(m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + eps).
     */
    void adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamStep s);

    /** Lazy Adam on the batch's unique table rows only: the dense update applied to table[uniqueRows[s]]. */
    void sparseAdam(Tensor table, Tensor m, Tensor v, Tensor gradRows, EncodedBatch batch, AdamStep s);

    /** Adagrad on the batch's unique rows: acc += g'²; w −= lr · g' / (sqrt(acc) + eps), g' = g + l2·w. */
    void sparseAdagrad(Tensor table, Tensor acc, Tensor gradRows, EncodedBatch batch, AdamStep s);

    /** Releases native resources. Tensors must be closed first. */
    @Override
    void close();
}
