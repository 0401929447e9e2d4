package io.counterflow.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * On the Java reference backend, training is a pure function of the settings (seed included) and the input
 * order: two models trained on the same batches end bit-for-bit equal in every tensor of {@link
 * CvrModel#tensors()} (parameters and optimiser state), and a different seed gives different parameters.
 */
class DeterminismTest {
    private static final int STEPS = 5;
    private static final int BATCH = 16;

    static Stream<Arguments> cases() {
        return Stream.of("esmm", "escm2-dr", "dcmt")
                .flatMap(o -> Stream.of(Arguments.of(o, "shared-bottom"), Arguments.of(o, "mmoe")));
    }

    /** Every tensor of a model trained for STEPS batches (a fresh encoder, the same sample stream). */
    private static Map<String, int[]> train(String objective, String extractor, long seed) {
        Settings s = TinyData.tinySettings(objective, extractor);
        s.set(Settings.SEED, seed);
        LabeledSample[] samples = TinyData.samples(STEPS * BATCH, 21);
        try (Backend be = Backends.create("java");
                CvrModel model = new CvrModel(s, TinyData.space(s), be, BATCH)) {
            BatchEncoder enc = new BatchEncoder(model.featureSpace());
            EncodedBatch b = enc.newBatch(BATCH);
            for (int t = 0; t < STEPS; t++) {
                enc.encode(samples, t * BATCH, BATCH, b, true);
                assertThat(model.trainStep(b).finite).isTrue();
            }
            assertThat(model.step()).isEqualTo(STEPS);
            Map<String, int[]> bits = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : model.tensors().entrySet()) {
                Tensor t = e.getValue();
                float[] v = new float[t.size()];
                be.download(t, v, 0);
                int[] raw = new int[v.length];
                for (int i = 0; i < v.length; i++) {
                    raw[i] = Float.floatToRawIntBits(v[i]);
                }
                bits.put((model.parameters().containsKey(e.getKey()) ? "param:" : "state:") + e.getKey(), raw);
            }
            return bits;
        }
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void sameSeedAndInputOrderGiveBitIdenticalTensors(String objective, String extractor) {
        Map<String, int[]> first = train(objective, extractor, 7L);
        Map<String, int[]> second = train(objective, extractor, 7L);
        assertThat(second.keySet()).containsExactlyElementsOf(first.keySet());
        for (String name : first.keySet()) {
            assertThat(second.get(name)).as(name).containsExactly(first.get(name));
        }
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void differentSeedGivesDifferentParameters(String objective, String extractor) {
        Map<String, int[]> a = train(objective, extractor, 7L);
        Map<String, int[]> b = train(objective, extractor, 8L);
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        for (String name : a.keySet()) {
            if (name.startsWith("param:") && !name.endsWith(".b")) {
                // Biases start at zero or the base rate whatever the seed; every weight matrix and the table are seeded.
                assertThat(b.get(name)).as(name).isNotEqualTo(a.get(name));
            }
        }
    }
}
