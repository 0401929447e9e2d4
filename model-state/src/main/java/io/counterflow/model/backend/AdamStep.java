package io.counterflow.model.backend;

/**
 * The scalars of one optimiser update. Mutable and reused across steps, so that a step allocates nothing:
 * {@link #forStep} refreshes the bias corrections for step t (1-based).
 */
public final class AdamStep {
    public float lr;
    public float beta1;
    public float beta2;
    public float eps;
    public float l2;
    /** 1 − β1ᵗ. */
    public float bias1;
    /** 1 − β2ᵗ. */
    public float bias2;

    public AdamStep(float lr, float beta1, float beta2, float eps, float l2) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.l2 = l2;
        forStep(1);
    }

    /** Sets the bias corrections for step t ≥ 1. */
    public AdamStep forStep(long t) {
        bias1 = (float) (1.0 - Math.pow(beta1, t));
        bias2 = (float) (1.0 - Math.pow(beta2, t));
        return this;
    }
}
