package io.counterflow.model.objective;

import io.counterflow.model.settings.Settings;

/** The objective's scalars, read once from {@link Settings} (no map lookups on the hot path). */
public final class ObjectiveSettings {
    public final ObjectiveKind kind;
    public final double lambdaC;
    public final double lambdaG;
    public final double lambda1;
    public final double wCvr;
    public final double wCtcvr;
    public final double epsilon;
    public final boolean ctrGradientFromCvr;
    public final boolean selfNormalised;
    public final boolean drImputationGradientToCvr;
    public final boolean drAlternating;
    public final boolean truthPropensity;

    public ObjectiveSettings(Settings s) {
        this.kind = s.objective();
        this.lambdaC = s.get(Settings.LAMBDA_C);
        this.lambdaG = s.get(Settings.LAMBDA_G);
        this.lambda1 = s.get(Settings.LAMBDA_1);
        this.wCvr = s.get(Settings.W_CVR);
        this.wCtcvr = s.get(Settings.W_CTCVR);
        this.epsilon = s.get(Settings.EPSILON);
        this.ctrGradientFromCvr = s.get(Settings.CTR_GRADIENT_FROM_CVR);
        this.selfNormalised = s.get(Settings.IPS_NORMALISATION).equals("self-normalised");
        this.drImputationGradientToCvr = s.get(Settings.DR_IMPUTATION_GRADIENT_TO_CVR);
        this.drAlternating = s.get(Settings.DR_TRAINING).equals("alternating");
        this.truthPropensity = s.get(Settings.PROPENSITY_SOURCE).equals("truth");
    }
}
