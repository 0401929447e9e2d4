package io.counterflow.model.objective;

/**
 * The loss terms of one batch, reused across batches. Each term is already weighted as it enters the total.
 */
public final class LossTerms {
    public int samples;
    public int clicks;
    public double total;
    public double ctr;
    /** The CVR risk (naive, IPS, DR, EIB, or DCMT's E without its regulariser). */
    public double cvr;
    public double ctcvr;
    /** DR's imputation part (Eq. 23) or EIB's imputation fit. */
    public double imputation;
    /** DCMT's counterfactual regulariser. */
    public double counterfactual;
    /** Samples whose propensity was clipped into [ε, 1−ε] (propensity-weighted objectives only). */
    public int clippedPropensities;
    /** Σw, Σw² and max w of the IPS weights w = 1/ô_c over the clicked samples (propensity-weighted only). */
    public double weightSum;
    public double weightSquareSum;
    public double maxWeight;
    /** False when the loss or a gradient was NaN or infinite: the step must be skipped. */
    public boolean finite;

    /** Clears every term for a batch of n samples. */
    public void reset(int n) {
        samples = n;
        clicks = 0;
        total = ctr = cvr = ctcvr = imputation = counterfactual = 0;
        clippedPropensities = 0;
        weightSum = weightSquareSum = maxWeight = 0;
        finite = true;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "loss=%.5f ctr=%.5f cvr=%.5f ctcvr=%.5f imp=%.5f cf=%.5f clipped=%d", total, ctr, cvr, ctcvr,
                imputation, counterfactual, clippedPropensities);
    }
}
