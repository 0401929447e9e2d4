package io.counterflow.model.objective;

/**
 * The model's output heads, each one logit per sample. {@link #CTR} and {@link #CVR} exist in every model; an
 * objective asks for the others in {@link Objective#heads()}, and the model is assembled with exactly those.
 */
public enum Head {
    /** z_ctr, ô = σ(z_ctr): the click propensity. */
    CTR,
    /** z_cvr, r̂ = σ(z_cvr): the post-click conversion rate (DCMT: the factual head of the twin tower). */
    CVR,
    /** z_imp: the imputation tower (DR: the imputed error δ̂ = softplus(z_imp); EIB: the imputed label σ(z_imp)). */
    IMPUTATION,
    /** z_cf, r̂* = σ(z_cf): DCMT's counterfactual head, on the CVR tower's trunk (it makes the CVR tower a twin tower). */
    COUNTERFACTUAL;

    /** Number of heads: the length of the logit arrays an objective is handed. */
    public static final int COUNT = values().length;
}
