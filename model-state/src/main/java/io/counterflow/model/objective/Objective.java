package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import java.util.EnumSet;
import java.util.List;
import org.apache.flink.ml.param.Param;

/**
 * A training objective: the loss of a batch and its gradient with respect to every head's logits. The model
 * is assembled from an extractor and the {@link #heads()} the objective asks for; backends only move logits to
 * the host and gradients back, so an objective is plain host code, the same for every backend.
 *
 * <p>Conventions: {@code z[h.ordinal()]} holds head h's logits for samples 0..n, {@code dz[h.ordinal()]} receives
 * ∂L/∂z (overwritten, zero where the loss does not depend on it); both are null for heads the model lacks. Sums
 * run in double in sample order (deterministic). A stopped gradient contributes exactly 0, never a tiny number.
 * Implementations keep scratch arrays and are not thread-safe; one instance serves one model.
 *
 * <p>To add an objective: one class (usually extending {@link AbstractObjective}) and one {@link
 * Objectives#register} call.
 */
public interface Objective {

    /** The name used in settings, manifests and on the command line. */
    String name();

    /** The heads whose logits it reads: always {@link Head#CTR} and {@link Head#CVR}, plus what it needs. */
    EnumSet<Head> heads();

    /** The settings it reads (for help texts and manifests). */
    List<Param<?>> params();

    /** The phase of update step {@code step} (0-based): {@link Phase#JOINT} unless the objective alternates. */
    default Phase phase(long step) {
        return Phase.JOINT;
    }

    /**
     * The initial logit of a head's output bias given the base rates of the first training batch (click rate
     * {@code ctr}, conversion rate among clicks {@code cvr}): logit(ctr) for CTR and logit(cvr) for CVR; an
     * objective with further heads says what they fit.
     */
    default double initialLogit(Head h, double ctr, double cvr) {
        switch (h) {
            case CTR:
                return Math.log(ctr / (1 - ctr));
            case CVR:
                return Math.log(cvr / (1 - cvr));
            default:
                return 0;
        }
    }

    /**
     * Fills {@code dz} with ∂L/∂logit for every present head and {@code out} with the loss terms, for the
     * batch's first {@code b.n} samples. In {@link Phase#IMPUTATION} only the imputation head's gradient is set.
     */
    void evaluate(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out);
}
