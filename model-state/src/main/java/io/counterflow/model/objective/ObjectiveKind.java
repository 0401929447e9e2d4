package io.counterflow.model.objective;

import java.util.Locale;

/**
 * The objectives, by CLI name. Notation: o click, r conversion, ô = σ(z_ctr), r̂ = σ(z_cvr), δ = BCE(r, r̂),
 * ô_c = clip(ô, ε, 1−ε) wherever ô weights a loss, D the batch, O its clicked part, N the rest.
 */
public enum ObjectiveKind {
    /** L_CTR + mean_O δ. */
    NAIVE("naive", false, false, false),
    /** L_CTR + mean_D BCE(r, r̂) (unclicked counted as negatives). */
    MTL_IMP("mtl-imp", false, false, false),
    /** L_CTR + BCE(o·r, ô·r̂) (ESMM: the CTCVR loss over D). */
    ESMM("esmm", false, false, false),
    /** L_CTR + λc·R_IPS. */
    MTL_IPS("mtl-ips", false, false, true),
    /** L_CTR + λc·R_DR. */
    MTL_DR("mtl-dr", true, false, true),
    /** L_CTR + mean_D[o·δ + (1−o)·δ̂] + L_IMP, δ̂ = BCE(r̃, r̂) with imputed label r̃ = σ(z_imp) fitted on O. */
    MTL_EIB("mtl-eib", true, false, false),
    /** L_CTR + λc·R_IPS + λg·L_CTCVR, R_IPS = mean_D[o·δ/ô_c] (ESCM² Eq. 15, 27). */
    ESCM2_IPS("escm2-ips", false, false, true),
    /** L_CTR + λc·R_DR + λg·L_CTCVR, R_DR = mean_D[δ̂ + o(δ−δ̂)/ô_c] + mean_D[o(δ−δ̂)²/ô_c] (Eq. 22–24). */
    ESCM2_DR("escm2-dr", true, false, true),
    /** L_CTR + w_cvr·E + w_ctcvr·L_CTCVR, E = Σ_O w⁺δ + Σ_N w⁻BCE(1−r, r̂*) + λ1·mean_D|1−(r̂+r̂*)| (DCMT). */
    DCMT("dcmt", false, true, true),
    /** DCMT without the counterfactual mechanism: r̂* is fitted to r (not 1−r) on N, no regulariser. */
    DCMT_PD("dcmt-pd", false, true, true),
    /** DCMT without propensity debiasing: uniform weights 1/|O| and 1/|N| instead of w⁺, w⁻. */
    DCMT_CF("dcmt-cf", false, true, false);

    private final String cliName;
    private final boolean imputationTower;
    private final boolean twinTower;
    private final boolean propensityWeighted;

    ObjectiveKind(String cliName, boolean imputationTower, boolean twinTower, boolean propensityWeighted) {
        this.cliName = cliName;
        this.imputationTower = imputationTower;
        this.twinTower = twinTower;
        this.propensityWeighted = propensityWeighted;
    }

    public String cliName() {
        return cliName;
    }

    /** Whether the model needs an imputation tower (DR, EIB). */
    public boolean hasImputationTower() {
        return imputationTower;
    }

    /** Whether the CVR tower is DCMT's twin tower (factual and counterfactual heads, wide part). */
    public boolean hasTwinTower() {
        return twinTower;
    }

    /** Whether the CTR prediction weights the CVR loss (so clipping and stop-gradient apply). */
    public boolean isPropensityWeighted() {
        return propensityWeighted;
    }

    /** The kind with this CLI name. */
    public static ObjectiveKind fromCliName(String name) {
        String n = name.toLowerCase(Locale.ROOT).trim();
        for (ObjectiveKind k : values()) {
            if (k.cliName.equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown objective '" + name + "'; expected one of " + cliNames());
    }

    /** All CLI names, comma-separated. */
    public static String cliNames() {
        StringBuilder sb = new StringBuilder();
        for (ObjectiveKind k : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(k.cliName);
        }
        return sb.toString();
    }
}
