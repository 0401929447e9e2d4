package io.counterflow.model.objective;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import java.util.EnumSet;
import java.util.List;

/** {@code naive}: L = L_CTR + mean_O δ (weighted: Σ_O w·δ / Σ_O w) — the CVR tower sees clicked samples only (selection-biased baseline). */
public final class NaiveObjective extends AbstractObjective {
    public NaiveObjective(Settings s) {
        super("naive", s, EnumSet.noneOf(Head.class), false, List.of());
    }

    @Override
    protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
        out.cvr = clickSpaceBce(z[CVR], b, dz[CVR], 1.0, phase.trainsMain());
    }
}
