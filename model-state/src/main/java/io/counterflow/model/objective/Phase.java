package io.counterflow.model.objective;

/** Which parameters one update step trains, as chosen by {@link Objective#phase(long)}. */
public enum Phase {
    /** Every parameter gets the gradient of the whole objective. */
    JOINT(true, true),
    /** Only the imputation head gets a gradient, that of its own term (ESCM² Eq. 23, alternating DR). */
    IMPUTATION(false, true),
    /** Every parameter but the imputation head's gets the gradient of the whole objective. */
    MAIN(true, false);

    private final boolean main;
    private final boolean imputation;

    Phase(boolean main, boolean imputation) {
        this.main = main;
        this.imputation = imputation;
    }

    /** Whether the shared parameters and the CTR/CVR heads are updated in this phase. */
    public boolean trainsMain() {
        return main;
    }

    /** Whether the imputation head is updated in this phase. */
    public boolean trainsImputation() {
        return imputation;
    }
}
