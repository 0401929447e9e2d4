package io.counterflow.model.nn;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;
import java.util.SplittableRandom;

/**
 * y = act(x·W + b), W: in × out, with ReLU or identity. Owns its parameters, their Adam state, gradients, and
 * its output and output-gradient activations (capacity = batch capacity).
 */
final class Dense implements AutoCloseable {
    final String name;
    final String group;
    final int in;
    final int out;
    final boolean relu;
    final boolean bias;
    final Tensor w;
    final Tensor b;
    final Tensor gw;
    final Tensor gb;
    final Tensor mw;
    final Tensor vw;
    final Tensor mb;
    final Tensor vb;
    final Tensor y;
    final Tensor dy;
    private final Backend be;

    Dense(Backend be, Architecture.Layer spec, int capacity, SplittableRandom rnd) {
        this.be = be;
        this.name = spec.name;
        this.group = spec.group;
        this.in = spec.in;
        this.out = spec.out;
        this.relu = spec.relu;
        this.bias = spec.bias;
        double initScale = spec.initScale;
        w = be.allocate(in, out);
        b = be.allocate(1, out);
        gw = be.allocate(in, out);
        gb = be.allocate(1, out);
        mw = be.allocate(in, out);
        vw = be.allocate(in, out);
        mb = be.allocate(1, out);
        vb = be.allocate(1, out);
        y = be.allocate(capacity, out);
        dy = be.allocate(capacity, out);
        // He-uniform for ReLU layers, Glorot-uniform (scaled) for linear outputs.
        double limit = initScale * (relu ? Math.sqrt(6.0 / in) : Math.sqrt(6.0 / (in + out)));
        float[] init = new float[in * out];
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) ((rnd.nextDouble() * 2 - 1) * limit);
        }
        be.upload(init, 0, w);
    }

    /** y = act(x·W + b) on x's active rows. */
    Tensor forward(Tensor x) {
        y.setRows(x.rows());
        dy.setRows(x.rows());
        be.gemm(false, false, 1f, x, w, 0f, y);
        if (bias) {
            be.addBias(y, b);
        }
        if (relu) {
            be.relu(y);
        }
        return y;
    }

    /**
     * Given ∂L/∂y in {@link #dy} (pre-activation mask not yet applied): gW = xᵀ·dz, gb = Σ dz, and, when dx is
     * not null, dx = beta·dx + dz·Wᵀ.
     */
    void backward(Tensor x, Tensor dx, float beta) {
        dy.setRows(x.rows());
        if (relu) {
            be.reluBackward(y, dy);
        }
        be.gemm(true, false, 1f, x, dy, 0f, gw);
        if (bias) {
            be.sumRows(dy, 0f, gb);
        }
        if (dx != null) {
            be.gemm(false, true, 1f, dy, w, beta, dx);
        }
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {w, b, gw, gb, mw, vw, mb, vb, y, dy}) {
            t.close();
        }
    }
}
