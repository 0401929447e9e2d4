package io.counterflow.model.feedback;

import java.util.Locale;

/**
 * The labeling policies: when the join emits an impression's rows and how the trainer weights them. The join's
 * emission and the trainer's correction of one policy must match; both read this one name.
 */
public enum Labeling {
    /** One row per impression when its labels are final (unclicked at the click window, clicked at conversion or window close). */
    WAIT("wait"),
    /** Fake negative weighted (Ktena et al. 2019): clicked rows at the click as provisional negatives, a positive copy at conversion. */
    FNW("fnw"),
    /** ES-DFM (Yang et al. 2021): clicked rows after an elapsed time c with the label seen by then, a positive copy on a later conversion. */
    ES_DFM("es-dfm"),
    /** DEFER (Gu et al. 2021): as es-dfm, plus every clicked impression again with its final label at window close. */
    DEFER("defer"),
    /** Simulation only: one row per impression with its final labels, at the click window (the generator knows them). */
    ORACLE("oracle");

    private final String cliName;

    Labeling(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** The policy of this name. */
    public static Labeling of(String name) {
        String n = name.toLowerCase(Locale.ROOT).trim();
        for (Labeling l : values()) {
            if (l.cliName.equals(n)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown labeling policy '" + name + "'; expected one of wait, fnw, "
                + "es-dfm, defer (oracle: simulations only)");
    }
}
