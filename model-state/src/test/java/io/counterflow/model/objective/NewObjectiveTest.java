package io.counterflow.model.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.snapshot.ModelSnapshot;
import io.counterflow.model.testing.TinyData;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An objective added from outside the main code, as one class and one registration: a toy weighted ESMM. The
 * model must assemble for it, train with it, pass a finite-difference check of its logit gradients, and survive a
 * snapshot round trip under its name.
 */
class NewObjectiveTest {
    private static final String NAME = "toy-weighted-esmm";

    /** L = L_CTR + mean_D c_i·BCE(o·r, ô·r̂), with c_i = 3 for conversions and 1 otherwise. */
    static final class ToyWeightedEsmm extends AbstractObjective {
        ToyWeightedEsmm(Settings s) {
            super(NAME, s, EnumSet.noneOf(Head.class), false, List.of());
        }

        @Override
        protected void risk(Phase phase, float[][] z, EncodedBatch b, float[][] dz, LossTerms out) {
            double inv = 1.0 / b.n;
            double sum = 0;
            for (int i = 0; i < b.n; i++) {
                double y = b.click[i] * b.conversion[i];
                double c = y > 0.5 ? 3 : 1;
                double a = z[CTR][i];
                double v = z[CVR][i];
                double lt = -softplus(-a) - softplus(-v);
                double t = Math.exp(lt);
                sum += c * -(y * lt + (1 - y) * Math.log(-Math.expm1(lt)));
                double g = c * inv * (-y + (1 - y) * t / (1 - t));
                dz[CTR][i] += (float) (g * sigmoid(-a));
                dz[CVR][i] += (float) (g * sigmoid(-v));
            }
            out.ctcvr = sum * inv;
        }
    }

    @BeforeAll
    static void register() {
        if (!Objectives.isRegistered(NAME)) {
            Objectives.register(NAME, "toy: ESMM with conversions weighted 3×", ToyWeightedEsmm::new);
        }
    }

    @Test
    void logitGradientMatchesFiniteDifferences() {
        Settings s = TinyData.tinySettings(NAME, "shared-bottom");
        Objective f = s.objective();
        assertThat(f).isInstanceOf(ToyWeightedEsmm.class);
        LabeledSample[] samples = TinyData.samples(24, 3);
        EncodedBatch b = TinyData.encode(new BatchEncoder(TinyData.space(s)), samples);
        SplittableRandom rnd = new SplittableRandom(1);
        float[][] z = new float[Head.COUNT][];
        float[][] dz = new float[Head.COUNT][];
        for (Head h : f.heads()) {
            z[h.ordinal()] = new float[b.n];
            dz[h.ordinal()] = new float[b.n];
            for (int i = 0; i < b.n; i++) {
                z[h.ordinal()][i] = (float) (rnd.nextDouble() * 4 - 2);
            }
        }
        LossTerms out = new LossTerms();
        f.evaluate(Phase.JOINT, z, b, dz, out);
        assertThat(out.finite).isTrue();
        float[][] analytic = {dz[0].clone(), dz[1].clone()};
        double h = 1e-3;
        for (int head = 0; head < 2; head++) {
            for (int i = 0; i < b.n; i++) {
                float keep = z[head][i];
                z[head][i] = (float) (keep + h);
                f.evaluate(Phase.JOINT, z, b, dz, out);
                double up = out.total;
                z[head][i] = (float) (keep - h);
                f.evaluate(Phase.JOINT, z, b, dz, out);
                double down = out.total;
                z[head][i] = keep;
                double fd = (up - down) / (2 * h);
                assertThat((double) analytic[head][i]).as("head %d sample %d", head, i).isCloseTo(fd, within(2e-4));
            }
        }
    }

    @Test
    void trainsAndRoundTripsThroughASnapshotUnderItsName(@TempDir Path dir) throws Exception {
        Settings s = TinyData.tinySettings(NAME, "mmoe");
        LabeledSample[] samples = TinyData.samples(64, 5);
        try (Backend be = Backends.create("java");
                CvrModel model = new CvrModel(s, TinyData.space(s), be, 64)) {
            assertThat(model.objectiveName()).isEqualTo(NAME);
            EncodedBatch b = TinyData.encode(new BatchEncoder(model.featureSpace()), samples);
            double first = model.evaluateLoss(b).total;
            for (int t = 0; t < 30; t++) {
                assertThat(model.trainStep(b).finite).isTrue();
            }
            assertThat(model.evaluateLoss(b).total).isLessThan(first);
            ModelSnapshot.write(model, dir, Map.of());
            assertThat(ModelSnapshot.manifest(dir).get("objective")).isEqualTo(NAME);
            try (CvrModel back = ModelSnapshot.read(dir, be, 64)) {
                assertThat(back.objectiveName()).isEqualTo(NAME);
                float[] c1 = new float[64];
                float[] v1 = new float[64];
                float[] c2 = new float[64];
                float[] v2 = new float[64];
                model.predict(b, c1, v1);
                back.predict(b, c2, v2);
                assertThat(c2).containsExactly(c1);
                assertThat(v2).containsExactly(v1);
            }
        }
    }
}
