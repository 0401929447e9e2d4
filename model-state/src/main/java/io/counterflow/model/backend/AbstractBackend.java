package io.counterflow.model.backend;

import io.counterflow.model.feature.EncodedBatch;

/**
 * Validates every kernel's arguments once (ownership, shapes, active rows) and forwards to the protected
 * kernels that implementations supply. Messages name the kernel and the shapes.
 */
abstract class AbstractBackend implements Backend {

    private void own(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) {
                throw new IllegalArgumentException(op + ": null tensor");
            }
            if (t.backend() != this) {
                throw new IllegalArgumentException(
                        op + ": tensor " + t + " belongs to backend " + t.backend().name() + ", not " + name());
            }
        }
    }

    private static void check(boolean ok, String op, String what, Tensor... ts) {
        if (!ok) {
            StringBuilder sb = new StringBuilder(op).append(": ").append(what).append(" (");
            for (int i = 0; i < ts.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(ts[i]);
            }
            throw new IllegalArgumentException(sb.append(')').toString());
        }
    }

    @Override
    public final Tensor allocate(int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("allocate: shape must be positive, got " + rows + "x" + cols);
        }
        if ((long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("allocate: " + rows + "x" + cols + " exceeds 2^31 elements");
        }
        return allocateK(rows, cols);
    }

    @Override
    public final void upload(float[] src, int off, Tensor dst) {
        own("upload", dst);
        if (off < 0 || off + dst.size() > src.length) {
            throw new IllegalArgumentException("upload: source of " + src.length + " floats at " + off
                    + " is too short for " + dst);
        }
        uploadK(src, off, dst);
    }

    @Override
    public final void download(Tensor src, float[] dst, int off) {
        own("download", src);
        if (off < 0 || off + src.size() > dst.length) {
            throw new IllegalArgumentException("download: target of " + dst.length + " floats at " + off
                    + " is too short for " + src);
        }
        downloadK(src, dst, off);
    }

    @Override
    public final void fill(Tensor t, float value) {
        own("fill", t);
        fillK(t, value);
    }

    @Override
    public final void copy(Tensor src, Tensor dst) {
        own("copy", src, dst);
        check(src.rows() == dst.rows() && src.cols() == dst.cols(), "copy", "shapes differ", src, dst);
        copyK(src, dst);
    }

    @Override
    public final void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        own("gemm", a, b, c);
        int m = ta ? a.cols() : a.rows();
        int k = ta ? a.rows() : a.cols();
        int kb = tb ? b.cols() : b.rows();
        int nn = tb ? b.rows() : b.cols();
        check(k == kb && c.rows() == m && c.cols() == nn, "gemm",
                "op(A) is " + m + "x" + k + ", op(B) is " + kb + "x" + nn + ", C must be " + m + "x" + nn, a, b, c);
        if (m == 0 || nn == 0) {
            return;
        }
        gemmK(ta, tb, m, nn, k, alpha, a, b, beta, c);
    }

    @Override
    public final void addBias(Tensor y, Tensor bias) {
        own("addBias", y, bias);
        check(bias.rows() == 1 && bias.cols() == y.cols(), "addBias", "bias must be 1 x cols(y)", y, bias);
        addBiasK(y, bias);
    }

    @Override
    public final void relu(Tensor y) {
        own("relu", y);
        reluK(y);
    }

    @Override
    public final void reluBackward(Tensor y, Tensor dy) {
        own("reluBackward", y, dy);
        check(y.rows() == dy.rows() && y.cols() == dy.cols(), "reluBackward", "shapes differ", y, dy);
        reluBackwardK(y, dy);
    }

    @Override
    public final void sumRows(Tensor dy, float beta, Tensor out) {
        own("sumRows", dy, out);
        check(out.rows() == 1 && out.cols() == dy.cols(), "sumRows", "out must be 1 x cols(dy)", dy, out);
        sumRowsK(dy, beta, out);
    }

    @Override
    public final void softmaxRows(Tensor z) {
        own("softmaxRows", z);
        softmaxRowsK(z);
    }

    @Override
    public final void softmaxBackward(Tensor g, Tensor d) {
        own("softmaxBackward", g, d);
        check(g.rows() == d.rows() && g.cols() == d.cols(), "softmaxBackward", "shapes differ", g, d);
        softmaxBackwardK(g, d);
    }

    @Override
    public final void mixExperts(Tensor e, Tensor g, Tensor out) {
        own("mixExperts", e, g, out);
        check(e.rows() == g.rows() && out.rows() == e.rows() && e.cols() == g.cols() * out.cols(),
                "mixExperts", "need e: n x K·h, g: n x K, out: n x h", e, g, out);
        mixExpertsK(e, g, out);
    }

    @Override
    public final void mixExpertsBackward(Tensor e, Tensor g, Tensor dOut, float beta, Tensor dE, Tensor dG) {
        own("mixExpertsBackward", e, g, dOut, dE, dG);
        check(e.rows() == g.rows() && dOut.rows() == e.rows() && e.cols() == g.cols() * dOut.cols()
                        && dE.rows() == e.rows() && dE.cols() == e.cols() && dG.rows() == g.rows()
                        && dG.cols() == g.cols(),
                "mixExpertsBackward", "shapes disagree", e, g, dOut, dE, dG);
        mixExpertsBackwardK(e, g, dOut, beta, dE, dG);
    }

    private static void checkBatch(String op, EncodedBatch b, Tensor table, Tensor x) {
        int dim = table.cols();
        if (x.rows() != b.n || x.cols() != b.inputWidth(dim)) {
            throw new IllegalArgumentException(op + ": input " + x + " must be " + b.n + "x" + b.inputWidth(dim)
                    + " for a batch of " + b.n + " with embedding dim " + dim);
        }
    }

    @Override
    public final void embed(Tensor table, EncodedBatch batch, Tensor x) {
        own("embed", table, x);
        checkBatch("embed", batch, table, x);
        embedK(table, batch, x);
    }

    @Override
    public final void embedBackward(Tensor dx, EncodedBatch batch, Tensor gradRows) {
        own("embedBackward", dx, gradRows);
        if (gradRows.capacityRows() < batch.uniqueCount) {
            throw new IllegalArgumentException("embedBackward: gradient rows " + gradRows
                    + " hold fewer than the batch's " + batch.uniqueCount + " unique rows");
        }
        if (dx.rows() != batch.n || dx.cols() != batch.inputWidth(gradRows.cols())) {
            throw new IllegalArgumentException("embedBackward: dX " + dx + " does not match the batch");
        }
        embedBackwardK(dx, batch, gradRows);
    }

    @Override
    public final void uploadBatch(EncodedBatch batch) {
        if (batch.n <= 0 || batch.n > batch.capacity) {
            throw new IllegalArgumentException("uploadBatch: batch size " + batch.n + " outside [1, "
                    + batch.capacity + "]");
        }
        uploadBatchK(batch);
    }

    @Override
    public final void adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamStep s) {
        own("adam", w, g, m, v);
        check(w.size() == g.size() && w.size() == m.size() && w.size() == v.size(), "adam", "sizes differ",
                w, g, m, v);
        adamK(w, g, m, v, s);
    }

    private static void checkSparse(String op, Tensor table, Tensor gradRows, EncodedBatch b, Tensor... st) {
        for (Tensor t : st) {
            check(t.capacityRows() == table.capacityRows() && t.cols() == table.cols(), op,
                    "optimiser state must match the table", table, t);
        }
        check(gradRows.cols() == table.cols() && gradRows.capacityRows() >= b.uniqueCount, op,
                "gradient rows must be ≥ uniqueCount x dim", table, gradRows);
    }

    @Override
    public final void sparseAdam(Tensor table, Tensor m, Tensor v, Tensor gradRows, EncodedBatch b, AdamStep s) {
        own("sparseAdam", table, m, v, gradRows);
        checkSparse("sparseAdam", table, gradRows, b, m, v);
        sparseAdamK(table, m, v, gradRows, b, s);
    }

    @Override
    public final void sparseAdagrad(Tensor table, Tensor acc, Tensor gradRows, EncodedBatch b, AdamStep s) {
        own("sparseAdagrad", table, acc, gradRows);
        checkSparse("sparseAdagrad", table, gradRows, b, acc);
        sparseAdagradK(table, acc, gradRows, b, s);
    }

    protected abstract Tensor allocateK(int rows, int cols);

    protected abstract void uploadK(float[] src, int off, Tensor dst);

    protected abstract void downloadK(Tensor src, float[] dst, int off);

    protected abstract void fillK(Tensor t, float value);

    protected abstract void copyK(Tensor src, Tensor dst);

    protected abstract void gemmK(boolean ta, boolean tb, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c);

    protected abstract void addBiasK(Tensor y, Tensor bias);

    protected abstract void reluK(Tensor y);

    protected abstract void reluBackwardK(Tensor y, Tensor dy);

    protected abstract void sumRowsK(Tensor dy, float beta, Tensor out);

    protected abstract void softmaxRowsK(Tensor z);

    protected abstract void softmaxBackwardK(Tensor g, Tensor d);

    protected abstract void mixExpertsK(Tensor e, Tensor g, Tensor out);

    protected abstract void mixExpertsBackwardK(Tensor e, Tensor g, Tensor dOut, float beta, Tensor dE, Tensor dG);

    protected abstract void embedK(Tensor table, EncodedBatch batch, Tensor x);

    protected abstract void embedBackwardK(Tensor dx, EncodedBatch batch, Tensor gradRows);

    protected abstract void uploadBatchK(EncodedBatch batch);

    protected abstract void adamK(Tensor w, Tensor g, Tensor m, Tensor v, AdamStep s);

    protected abstract void sparseAdamK(Tensor table, Tensor m, Tensor v, Tensor gradRows, EncodedBatch b,
            AdamStep s);

    protected abstract void sparseAdagradK(Tensor table, Tensor acc, Tensor gradRows, EncodedBatch b, AdamStep s);
}
