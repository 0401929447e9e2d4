package io.counterflow.model.backend;

import io.counterflow.model.feature.EncodedBatch;
import java.nio.FloatBuffer;

/**
 * Host-memory kernels shared by the CPU backends: every tensor exposes a {@link FloatBuffer} (heap for the
 * Java reference, direct for OpenBLAS) and the element-wise kernels are plain single-threaded loops over it,
 * in a fixed order (bit-for-bit deterministic). Subclasses supply storage and GEMM.
 */
abstract class CpuBackend extends AbstractBackend {

    /** A tensor whose memory the JVM can address through a FloatBuffer (absolute get/put only). */
    abstract static class CpuTensor extends Tensor {
        final FloatBuffer buf;
        private final Backend owner;

        CpuTensor(Backend owner, int rows, int cols, FloatBuffer buf) {
            super(rows, cols);
            this.owner = owner;
            this.buf = buf;
        }

        @Override
        public Backend backend() {
            return owner;
        }
    }

    static FloatBuffer buf(Tensor t) {
        return ((CpuTensor) t).buf;
    }

    /** The host buffer of a CPU tensor (for tests and for code that runs next to a CPU backend). */
    public static FloatBuffer hostBuffer(Tensor t) {
        return buf(t);
    }

    @Override
    protected void uploadK(float[] src, int off, Tensor dst) {
        buf(dst).put(0, src, off, dst.size());
    }

    @Override
    protected void downloadK(Tensor src, float[] dst, int off) {
        buf(src).get(0, dst, off, src.size());
    }

    @Override
    protected void fillK(Tensor t, float value) {
        FloatBuffer b = buf(t);
        int n = t.capacityRows() * t.cols();
        for (int i = 0; i < n; i++) {
            b.put(i, value);
        }
    }

    @Override
    protected void copyK(Tensor src, Tensor dst) {
        buf(dst).put(0, buf(src), 0, src.size());
    }

    /**
     * ReLU and the Adam steps copy their operands through these heap chunks: C2 vectorises counted loops over
     * {@code float[]} but not over {@code FloatBuffer.get/put}, and the bulk copies are memcpy. Every element is
     * computed by the same IEEE operations as a scalar loop, in the same order per element, so results are
     * bit-identical to the plain loops (and deterministic). A backend is used by one thread at a time.
     */
    static final int CHUNK = 2048;

    private final float[] chunkW = new float[CHUNK];
    private final float[] chunkG = new float[CHUNK];
    private final float[] chunkM = new float[CHUNK];
    private final float[] chunkV = new float[CHUNK];

    @Override
    protected void addBiasK(Tensor y, Tensor bias) {
        FloatBuffer yb = buf(y);
        FloatBuffer bb = buf(bias);
        int rows = y.rows();
        int cols = y.cols();
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                yb.put(base + j, yb.get(base + j) + bb.get(j));
            }
        }
    }

    @Override
    protected void reluK(Tensor y) {
        FloatBuffer b = buf(y);
        int n = y.size();
        float[] c = chunkW;
        // max(x, +0): negatives and −0 become +0, NaN stays NaN (so a diverging step is still caught).
        for (int off = 0; off < n; off += CHUNK) {
            int len = Math.min(CHUNK, n - off);
            b.get(off, c, 0, len);
            for (int i = 0; i < len; i++) {
                c[i] = Math.max(c[i], 0f);
            }
            b.put(off, c, 0, len);
        }
    }

    @Override
    protected void reluBackwardK(Tensor y, Tensor dy) {
        FloatBuffer yb = buf(y);
        FloatBuffer db = buf(dy);
        int n = y.size();
        // Branch-free mask: all ones where y > 0 (y is a ReLU output, so never negative or −0), else zero.
        for (int i = 0; i < n; i++) {
            int mask = -Float.floatToRawIntBits(yb.get(i)) >> 31;
            db.put(i, Float.intBitsToFloat(Float.floatToRawIntBits(db.get(i)) & mask));
        }
    }

    @Override
    protected void sumRowsK(Tensor dy, float beta, Tensor out) {
        FloatBuffer d = buf(dy);
        FloatBuffer o = buf(out);
        int rows = dy.rows();
        int cols = dy.cols();
        for (int j = 0; j < cols; j++) {
            o.put(j, beta == 0f ? 0f : beta * o.get(j));
        }
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                o.put(j, o.get(j) + d.get(base + j));
            }
        }
    }

    @Override
    protected void softmaxRowsK(Tensor z) {
        FloatBuffer b = buf(z);
        int rows = z.rows();
        int k = z.cols();
        for (int i = 0; i < rows; i++) {
            int base = i * k;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, b.get(base + j));
            }
            float sum = 0f;
            for (int j = 0; j < k; j++) {
                float e = (float) Math.exp(b.get(base + j) - max);
                b.put(base + j, e);
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < k; j++) {
                b.put(base + j, b.get(base + j) * inv);
            }
        }
    }

    @Override
    protected void softmaxBackwardK(Tensor g, Tensor d) {
        FloatBuffer gb = buf(g);
        FloatBuffer db = buf(d);
        int rows = g.rows();
        int k = g.cols();
        for (int i = 0; i < rows; i++) {
            int base = i * k;
            float dot = 0f;
            for (int j = 0; j < k; j++) {
                dot += gb.get(base + j) * db.get(base + j);
            }
            for (int j = 0; j < k; j++) {
                db.put(base + j, gb.get(base + j) * (db.get(base + j) - dot));
            }
        }
    }

    @Override
    protected void mixExpertsK(Tensor e, Tensor g, Tensor out) {
        FloatBuffer eb = buf(e);
        FloatBuffer gb = buf(g);
        FloatBuffer ob = buf(out);
        int rows = e.rows();
        int k = g.cols();
        int h = out.cols();
        for (int i = 0; i < rows; i++) {
            int ob0 = i * h;
            int eb0 = i * k * h;
            for (int j = 0; j < h; j++) {
                ob.put(ob0 + j, 0f);
            }
            for (int x = 0; x < k; x++) {
                float w = gb.get(i * k + x);
                int e0 = eb0 + x * h;
                for (int j = 0; j < h; j++) {
                    ob.put(ob0 + j, ob.get(ob0 + j) + w * eb.get(e0 + j));
                }
            }
        }
    }

    @Override
    protected void mixExpertsBackwardK(Tensor e, Tensor g, Tensor dOut, float beta, Tensor dE, Tensor dG) {
        FloatBuffer eb = buf(e);
        FloatBuffer gb = buf(g);
        FloatBuffer ob = buf(dOut);
        FloatBuffer deb = buf(dE);
        FloatBuffer dgb = buf(dG);
        int rows = e.rows();
        int k = g.cols();
        int h = dOut.cols();
        for (int i = 0; i < rows; i++) {
            int o0 = i * h;
            for (int x = 0; x < k; x++) {
                float w = gb.get(i * k + x);
                int e0 = (i * k + x) * h;
                float dot = 0f;
                for (int j = 0; j < h; j++) {
                    float d = ob.get(o0 + j);
                    dot += d * eb.get(e0 + j);
                    float prev = beta == 0f ? 0f : beta * deb.get(e0 + j);
                    deb.put(e0 + j, prev + w * d);
                }
                dgb.put(i * k + x, dot);
            }
        }
    }

    @Override
    protected void embedK(Tensor table, EncodedBatch b, Tensor x) {
        FloatBuffer tb = buf(table);
        FloatBuffer xb = buf(x);
        int dim = table.cols();
        int width = x.cols();
        int[] rows = b.uniqueRows;
        for (int i = 0; i < b.n; i++) {
            int base = i * width;
            for (int f = 0; f < b.catFields; f++) {
                int src = rows[b.catSlots[i * b.catFields + f]] * dim;
                xb.put(base + f * dim, tb, src, dim);
            }
            for (int f = 0; f < b.multiFields; f++) {
                int dst = base + (b.catFields + f) * dim;
                int s0 = b.mvStart[i * b.multiFields + f];
                int s1 = b.mvStart[i * b.multiFields + f + 1];
                for (int d = 0; d < dim; d++) {
                    xb.put(dst + d, 0f);
                }
                if (s1 > s0) {
                    for (int s = s0; s < s1; s++) {
                        int src = rows[b.mvSlots[s]] * dim;
                        for (int d = 0; d < dim; d++) {
                            xb.put(dst + d, xb.get(dst + d) + tb.get(src + d));
                        }
                    }
                    float inv = 1f / (s1 - s0);
                    for (int d = 0; d < dim; d++) {
                        xb.put(dst + d, xb.get(dst + d) * inv);
                    }
                }
            }
            int nb = base + (b.catFields + b.multiFields) * dim;
            for (int f = 0; f < b.numFields; f++) {
                xb.put(nb + f, b.numeric[i * b.numFields + f]);
            }
        }
    }

    @Override
    protected void embedBackwardK(Tensor dx, EncodedBatch b, Tensor gradRows) {
        FloatBuffer gb = buf(gradRows);
        FloatBuffer db = buf(dx);
        int dim = gradRows.cols();
        int width = dx.cols();
        int total = b.uniqueCount * dim;
        for (int i = 0; i < total; i++) {
            gb.put(i, 0f);
        }
        for (int i = 0; i < b.n; i++) {
            int base = i * width;
            for (int f = 0; f < b.catFields; f++) {
                int dst = b.catSlots[i * b.catFields + f] * dim;
                int src = base + f * dim;
                for (int d = 0; d < dim; d++) {
                    gb.put(dst + d, gb.get(dst + d) + db.get(src + d));
                }
            }
            for (int f = 0; f < b.multiFields; f++) {
                int src = base + (b.catFields + f) * dim;
                int s0 = b.mvStart[i * b.multiFields + f];
                int s1 = b.mvStart[i * b.multiFields + f + 1];
                if (s1 > s0) {
                    float inv = 1f / (s1 - s0);
                    for (int s = s0; s < s1; s++) {
                        int dst = b.mvSlots[s] * dim;
                        for (int d = 0; d < dim; d++) {
                            gb.put(dst + d, gb.get(dst + d) + inv * db.get(src + d));
                        }
                    }
                }
            }
        }
    }

    @Override
    protected void uploadBatchK(EncodedBatch batch) {
        // Host memory: the kernels read the batch's arrays directly.
    }

    @Override
    protected void adamK(Tensor w, Tensor g, Tensor m, Tensor v, AdamStep s) {
        FloatBuffer wb = buf(w);
        FloatBuffer gb = buf(g);
        FloatBuffer mb = buf(m);
        FloatBuffer vb = buf(v);
        int n = w.size();
        for (int off = 0; off < n; off += CHUNK) {
            int len = Math.min(CHUNK, n - off);
            wb.get(off, chunkW, 0, len);
            gb.get(off, chunkG, 0, len);
            mb.get(off, chunkM, 0, len);
            vb.get(off, chunkV, 0, len);
            adamChunk(chunkW, chunkG, chunkM, chunkV, len, s);
            wb.put(off, chunkW, 0, len);
            mb.put(off, chunkM, 0, len);
            vb.put(off, chunkV, 0, len);
        }
    }

    /**
     * Moments below this magnitude are stored as exactly 0. A weight whose gradient is 0 (an input that is always 0,
     * a unit that never activates) has its moments decay geometrically into the subnormal range, where they stay
     * for good (0.9 × a few ulps rounds back to the same ulps) and every multiply on them takes a microcode assist:
     * over a long run the dense update became 4–5× slower. Flushing is invisible in the weights: with the moments
     * below 1e-30 the update is below {@code lr · 1e-22} (ε ≥ 1e-8), and above ~1e-23 subtracting 1e-30 is below
     * half an ulp, so typical moments are bit-identical to the plain update.
     */
    static final float FLUSH = 1e-30f;

    /** The Adam update on heap chunks: the one definition of the step, vectorisable by C2. */
    private static void adamChunk(float[] w, float[] g, float[] m, float[] v, int len, AdamStep s) {
        float b1 = s.beta1;
        float b2 = s.beta2;
        float c1 = 1f / s.bias1;
        float c2 = 1f / s.bias2;
        float l2 = s.l2;
        float lr = s.lr;
        float eps = s.eps;
        for (int i = 0; i < len; i++) {
            float wv = w[i];
            float gv = g[i] + l2 * wv;
            float mv = b1 * m[i] + (1f - b1) * gv;
            float vv = b2 * v[i] + (1f - b2) * gv * gv;
            mv = Math.max(mv, FLUSH) + Math.min(mv, -FLUSH); // |x| < FLUSH -> 0, else x -/+ FLUSH (branch-free)
            vv = Math.max(vv, FLUSH) + Math.min(vv, -FLUSH);
            m[i] = mv;
            v[i] = vv;
            w[i] = wv - lr * (mv * c1) / ((float) Math.sqrt(vv * c2) + eps);
        }
    }

    @Override
    protected void sparseAdamK(Tensor table, Tensor m, Tensor v, Tensor gradRows, EncodedBatch b, AdamStep s) {
        int dim = table.cols();
        if (dim > CHUNK) {
            throw new IllegalArgumentException("embedding dim " + dim + " exceeds the kernel chunk " + CHUNK);
        }
        FloatBuffer w = buf(table);
        FloatBuffer g = buf(gradRows);
        FloatBuffer mb = buf(m);
        FloatBuffer vb = buf(v);
        int per = CHUNK / dim;
        // Gather up to CHUNK / dim touched rows (their gradients are already contiguous), update, scatter back.
        for (int u0 = 0; u0 < b.uniqueCount; u0 += per) {
            int rows = Math.min(per, b.uniqueCount - u0);
            for (int k = 0; k < rows; k++) {
                int row = b.uniqueRows[u0 + k] * dim;
                w.get(row, chunkW, k * dim, dim);
                mb.get(row, chunkM, k * dim, dim);
                vb.get(row, chunkV, k * dim, dim);
            }
            g.get(u0 * dim, chunkG, 0, rows * dim);
            adamChunk(chunkW, chunkG, chunkM, chunkV, rows * dim, s);
            for (int k = 0; k < rows; k++) {
                int row = b.uniqueRows[u0 + k] * dim;
                w.put(row, chunkW, k * dim, dim);
                mb.put(row, chunkM, k * dim, dim);
                vb.put(row, chunkV, k * dim, dim);
            }
        }
    }

    @Override
    protected void sparseAdagradK(Tensor table, Tensor acc, Tensor gradRows, EncodedBatch b, AdamStep s) {
        int dim = table.cols();
        FloatBuffer w = buf(table);
        FloatBuffer g = buf(gradRows);
        FloatBuffer a = buf(acc);
        for (int u = 0; u < b.uniqueCount; u++) {
            int w0 = b.uniqueRows[u] * dim;
            int g0 = u * dim;
            for (int d = 0; d < dim; d++) {
                float wv = w.get(w0 + d);
                float gv = g.get(g0 + d) + s.l2 * wv;
                float av = a.get(w0 + d) + gv * gv;
                a.put(w0 + d, av);
                w.put(w0 + d, wv - s.lr * gv / ((float) Math.sqrt(av) + s.eps));
            }
        }
    }
}
