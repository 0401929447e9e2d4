package io.counterflow.jobs.offline;

import io.counterflow.model.metrics.EvaluationResult;
import java.util.Locale;

/**
 * The validation metric that picks the epoch {@code train --validation} keeps (and that {@code --patience} watches).
 * Each knows whether higher is better. {@link #LOSS} is the objective's own total loss on the validation file
 * (forward only, batch means weighted by batch size); the others come from the validation {@link EvaluationResult}.
 * {@link #LAST} selects nothing: the last epoch is kept, as before selection existed.
 */
public enum SelectMetric {
    /** pCTR·pCVR against click·conversion over every validation row, as BCE (lower is better). The default. */
    CTCVR_LOGLOSS("ctcvr-logloss", false),
    CTCVR_AUC("ctcvr-auc", true),
    /** pCVR against conversion over the clicked validation rows (the papers' CVR AUC). */
    CVR_AUC("cvr-auc", true),
    CTR_AUC("ctr-auc", true),
    CTR_LOGLOSS("ctr-logloss", false),
    LOSS("loss", false),
    LAST("last", false);

    private final String cliName;
    private final boolean higherIsBetter;

    SelectMetric(String cliName, boolean higherIsBetter) {
        this.cliName = cliName;
        this.higherIsBetter = higherIsBetter;
    }

    public String cliName() {
        return cliName;
    }

    /** The metric of a parsed CLI name; the message lists the valid ones. */
    public static SelectMetric parse(String name) {
        StringBuilder names = new StringBuilder();
        for (SelectMetric m : values()) {
            if (m.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return m;
            }
            names.append(names.length() == 0 ? "" : ", ").append(m.cliName);
        }
        throw new IllegalArgumentException("--select-metric must be one of " + names + ", not '" + name + "'");
    }

    /** The metric's value for one epoch; {@code validationLoss} is only read by {@link #LOSS}. */
    public double value(EvaluationResult r, double validationLoss) {
        switch (this) {
            case CTCVR_LOGLOSS:
                return r.ctcvr.logLoss();
            case CTCVR_AUC:
                return r.ctcvr.auc();
            case CVR_AUC:
                return r.cvrClickSpace.auc();
            case CTR_AUC:
                return r.ctr.auc();
            case CTR_LOGLOSS:
                return r.ctr.logLoss();
            case LOSS:
                return validationLoss;
            case LAST:
            default:
                return Double.NaN;
        }
    }

    /**
     * Whether {@code candidate} beats {@code best} (strictly: ties keep the earlier epoch). A NaN candidate (an AUC
     * without positives, a diverged loss) never improves; anything beats a NaN best.
     */
    public boolean improves(double candidate, double best) {
        if (this == LAST) {
            return true;
        }
        if (Double.isNaN(candidate)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return higherIsBetter ? candidate > best : candidate < best;
    }
}
