package io.counterflow.model.backend;

import static io.counterflow.model.backend.ParityFixture.TRAIN_STEP_ABSOLUTE;
import static io.counterflow.model.backend.ParityFixture.TRAIN_STEP_MAX_FLIPS;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.Objectives;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole training steps on every backend against the Java reference: for every objective × extractor, a model
 * on each backend (same settings and seed) takes 3 steps on the same tiny batch, and every parameter must agree
 * within {@link ParityFixture#TRAIN_STEP_ABSOLUTE}; at most {@link ParityFixture#TRAIN_STEP_MAX_FLIPS} elements
 * per model may differ by more (a gradient within rounding of zero whose sign differs), and never by more than
 * 6·lr (three steps of at most 2·lr each).
 */
class TrainStepParityTest {
    private static final int STEPS = 3;

    static Stream<Arguments> cases() {
        List<Arguments> l = new ArrayList<>();
        ParityFixture.backendNames().forEach(name -> {
            for (String k : Objectives.names()) {
                for (String e : new String[] {"shared-bottom", "mmoe", "ple"}) {
                    l.add(Arguments.of(name, k, e));
                }
            }
        });
        return l.stream();
    }

    @ParameterizedTest(name = "{0}: {1} / {2}")
    @MethodSource("cases")
    void threeStepsGiveTheSameParameters(String backend, String objective, String extractor) {
        Settings s = TinyData.tinySettings(objective, extractor);
        s.set(Settings.SEED, 7L);
        double lr = s.get(Settings.LEARNING_RATE);
        try (Backend sub = ParityFixture.createOrSkip(backend);
                Backend ref = Backends.create(ParityFixture.REFERENCE);
                CvrModel refModel = new CvrModel(s, TinyData.space(s), ref, 32);
                CvrModel subModel = new CvrModel(s, TinyData.space(s), sub, 32)) {
            EncodedBatch refBatch = TinyData.encode(new BatchEncoder(refModel.featureSpace()), TinyData.samples(24, 3));
            EncodedBatch subBatch = TinyData.encode(new BatchEncoder(subModel.featureSpace()), TinyData.samples(24, 3));
            for (int t = 0; t < STEPS; t++) {
                LossTerms refLoss = refModel.trainStep(refBatch);
                double refTotal = refLoss.total;
                LossTerms subLoss = subModel.trainStep(subBatch);
                assertThat(subLoss.finite).isTrue();
                assertThat(subLoss.total).as("loss at step %d", t).isCloseTo(refTotal,
                        org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(refTotal))));
            }
            assertThat(subModel.step()).isEqualTo(refModel.step()).isEqualTo(STEPS);
            Map<String, Tensor> refTensors = refModel.tensors();
            Map<String, Tensor> subTensors = subModel.tensors();
            assertThat(subTensors.keySet()).containsExactlyElementsOf(refTensors.keySet());
            int flips = 0;
            double worst = 0;
            String worstAt = "";
            for (Map.Entry<String, Tensor> e : refModel.parameters().entrySet()) {
                float[] r = ParityFixture.full(e.getValue());
                float[] x = ParityFixture.full(subTensors.get(e.getKey()));
                for (int i = 0; i < r.length; i++) {
                    double d = Math.abs((double) r[i] - x[i]);
                    if (d > worst) {
                        worst = d;
                        worstAt = e.getKey() + "[" + i + "]";
                    }
                    if (d > TRAIN_STEP_ABSOLUTE) {
                        flips++;
                        assertThat(d).as("%s[%d] differs by more than 6·lr", e.getKey(), i)
                                .isLessThanOrEqualTo(6 * lr);
                    }
                }
            }
            if (System.getenv("PARITY_DEBUG") != null) {
                System.err.printf("%s %s/%s: worst |diff| %.3g at %s, %d beyond TRAIN_STEP_ABSOLUTE%n", backend,
                        objective, extractor, worst, worstAt, flips);
            }
            assertThat(flips).as("elements beyond TRAIN_STEP_ABSOLUTE (worst %.3g at %s)", worst, worstAt)
                    .isLessThanOrEqualTo(TRAIN_STEP_MAX_FLIPS);
        }
    }
}
