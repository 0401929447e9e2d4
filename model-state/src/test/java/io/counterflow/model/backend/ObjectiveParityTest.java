package io.counterflow.model.backend;

import static io.counterflow.model.backend.ParityFixture.ELEMENTWISE_EXACT;
import static io.counterflow.model.backend.ParityFixture.assertParity;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.ParityFixture.Twin;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.ObjectiveFunction;
import io.counterflow.model.objective.ObjectiveFunction.Phase;
import io.counterflow.model.objective.ObjectiveKind;
import io.counterflow.model.objective.ObjectiveSettings;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code objective} kernel on every backend against the Java reference, for every {@link ObjectiveKind}
 * (and, for the DR objectives, each phase of alternating training): ∂L/∂logit of every head and every loss
 * term must agree exactly (the objective sums in double, in sample order, on every backend).
 */
class ObjectiveParityTest {

    static Stream<Arguments> cases() {
        List<Arguments> l = new ArrayList<>();
        ParityFixture.backendNames().forEach(name -> {
            for (ObjectiveKind k : ObjectiveKind.values()) {
                l.add(Arguments.of(name, k, Phase.JOINT));
                if (k.hasImputationTower() && k != ObjectiveKind.MTL_EIB) {
                    l.add(Arguments.of(name, k, Phase.IMPUTATION));
                    l.add(Arguments.of(name, k, Phase.MAIN));
                }
            }
        });
        return l.stream();
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("cases")
    void objectiveMatchesReference(String backend, ObjectiveKind kind, Phase phase) {
        SplittableRandom rnd = new SplittableRandom(31);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            EncodedBatch b = ParityFixture.batch(ParityFixture.space(4), 30, 13);
            assertThat(b.clicks()).as("clicked and unclicked samples").isBetween(1, b.n - 1);
            Settings s = new Settings().set(Settings.OBJECTIVE, kind.cliName());
            ObjectiveFunction refF = new ObjectiveFunction(new ObjectiveSettings(s));
            ObjectiveFunction subF = new ObjectiveFunction(new ObjectiveSettings(s));
            refF.setPhase(phase);
            subF.setPhase(phase);
            Twin[] z = new Twin[ObjectiveFunction.HEADS];
            Twin[] dz = new Twin[ObjectiveFunction.HEADS];
            for (int h = 0; h < z.length; h++) {
                boolean present = h <= ObjectiveFunction.CVR
                        || h == ObjectiveFunction.IMP && kind.hasImputationTower()
                        || h == ObjectiveFunction.CF && kind.hasTwinTower();
                if (present) {
                    // Larger than the batch, as the model's heads are: the kernel acts on the first n rows only.
                    z[h] = fx.random(b.n + 2, 1, rnd, -6, 6).setRows(b.n);
                    dz[h] = fx.filled(b.n + 2, 1, Float.NaN).setRows(b.n);
                }
            }
            LossTerms refOut = new LossTerms();
            LossTerms subOut = new LossTerms();
            fx.ref.uploadBatch(b);
            fx.sub.uploadBatch(b);
            fx.ref.objective(refF, side(z, true), b, side(dz, true), refOut);
            fx.sub.objective(subF, side(z, false), b, side(dz, false), subOut);
            assertThat(subOut).usingRecursiveComparison().as("loss terms").isEqualTo(refOut);
            assertThat(refOut.finite).isTrue();
            for (int h = 0; h < dz.length; h++) {
                if (dz[h] != null) {
                    assertParity(kind.cliName() + " dLogit head " + h, dz[h], ELEMENTWISE_EXACT);
                }
            }
        }
    }

    private static Tensor[] side(Twin[] t, boolean ref) {
        Tensor[] out = new Tensor[t.length];
        for (int h = 0; h < t.length; h++) {
            out[h] = t[h] == null ? null : ref ? t[h].ref : t[h].sub;
        }
        return out;
    }
}
