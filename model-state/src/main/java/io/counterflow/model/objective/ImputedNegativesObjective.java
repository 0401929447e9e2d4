package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code mtl-imp}: L = L_CTR + mean_D BCE(r, r̂) — every unclicked impression counted as a CVR negative (the
 * ESCM² paper's MTL-IMP baseline; biased towards 0).
 */
public final class ImputedNegativesObjective extends AbstractObjective {
    public ImputedNegativesObjective(Settings s) {
        super("mtl-imp", s, EnumSet.noneOf(Head.class), false, List.of());
    }

    @Override
    protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        out.cvr = entireSpaceBce(z[CVR], b, dz[CVR], 1.0, phase.trainsMain());
    }
}
