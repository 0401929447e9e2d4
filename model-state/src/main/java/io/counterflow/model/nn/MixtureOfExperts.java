package io.counterflow.model.nn;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;

/**
 * Gated mixtures of experts: task t's tower input is Σ_k g_t[k]·E_k(x) with E_k one ReLU layer and
 * g_t = softmax(x·W_t + b_t (+ mask_t)).
 * <ul>
 *   <li>MMoE (Ma et al., KDD 2018): every gate mixes every expert.
 *   <li>PLE's customized gate control (Tang et al., RecSys 2020, one extraction level): shared experts plus
 *       {@code taskExperts} experts of each task's own; gate t mixes its own and the shared experts only. The
 *       other tasks' experts are masked by adding −1e30 to their gate logits, so their softmax weight, and every
 *       gradient through it, is exactly 0.
 * </ul>
 * All experts are one dense layer (one GEMM): columns [k·h, (k+1)·h) are expert k; with PLE, experts
 * [0, S) are shared and [S + t·P, S + (t+1)·P) are task t's.
 */
final class MixtureOfExperts implements Extractor {
    private static final float MASKED = -1e30f;

    private final Backend be;
    private final Dense experts;
    private final Dense[] gates;
    private final Tensor[] masks;
    private final Tensor[] mix;
    private final Tensor[] dMix;

    /** @param taskExperts experts per task of their own (0: MMoE, every expert shared) */
    MixtureOfExperts(Backend be, Dense experts, Dense[] gates, int sharedExperts, int taskExperts, int capacity) {
        this.be = be;
        this.experts = experts;
        this.gates = gates;
        int tasks = gates.length;
        int k = gates[0].out;
        int h = experts.out / k;
        mix = new Tensor[tasks];
        dMix = new Tensor[tasks];
        masks = new Tensor[tasks];
        for (int t = 0; t < tasks; t++) {
            mix[t] = be.allocate(capacity, h);
            dMix[t] = be.allocate(capacity, h);
            if (taskExperts > 0) {
                float[] m = new float[k];
                for (int j = 0; j < k; j++) {
                    boolean own = j < sharedExperts
                            || j >= sharedExperts + t * taskExperts && j < sharedExperts + (t + 1) * taskExperts;
                    m[j] = own ? 0f : MASKED;
                }
                masks[t] = be.allocate(1, k);
                be.upload(m, 0, masks[t]);
            }
        }
    }

    @Override
    public void forward(Tensor x) {
        int n = x.rows();
        Tensor e = experts.forward(x);
        for (int t = 0; t < gates.length; t++) {
            Tensor g = gates[t].forward(x);
            if (masks[t] != null) {
                be.addBias(g, masks[t]);
            }
            be.softmaxRows(g);
            mix[t].setRows(n);
            be.mixExperts(e, g, mix[t]);
        }
    }

    @Override
    public Tensor output(int task) {
        return mix[task];
    }

    @Override
    public Tensor outputGradient(int task) {
        dMix[task].setRows(experts.y.rows());
        return dMix[task];
    }

    @Override
    public void backward(Tensor x, Tensor dx, boolean dxWritten) {
        int n = x.rows();
        Tensor e = experts.y;
        boolean written = dxWritten;
        for (int t = 0; t < gates.length; t++) {
            gates[t].dy.setRows(n);
            experts.dy.setRows(n);
            be.mixExpertsBackward(e, gates[t].y, dMix[t], t == 0 ? 0f : 1f, experts.dy, gates[t].dy);
            be.softmaxBackward(gates[t].y, gates[t].dy);
            gates[t].backward(x, dx, written ? 1f : 0f);
            written = true;
        }
        experts.backward(x, dx, 1f);
    }

    @Override
    public void close() {
        for (int t = 0; t < mix.length; t++) {
            mix[t].close();
            dMix[t].close();
            if (masks[t] != null) {
                masks[t].close();
            }
        }
    }
}
