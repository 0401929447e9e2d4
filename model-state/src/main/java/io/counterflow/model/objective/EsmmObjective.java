package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code esmm} (Ma et al., SIGIR 2018): L = L_CTR + mean_D BCE(o·r, ô·r̂) — the CVR tower is trained only
 * through the CTCVR product, over the entire space.
 */
public final class EsmmObjective extends AbstractObjective {
    public EsmmObjective(Settings s) {
        super("esmm", s, EnumSet.noneOf(Head.class), false, List.of());
    }

    @Override
    protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        out.ctcvr = ctcvr(z[CTR], z[CVR], b, dz[CTR], dz[CVR], 1.0, phase.trainsMain());
    }
}
