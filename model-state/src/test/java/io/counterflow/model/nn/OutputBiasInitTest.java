package io.counterflow.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * output-bias-init first-batch: right after the first step, the mean pCTR and the clicked samples' mean pCVR sit
 * at the first batch's base rates (within what one Adam step and the small random weights move them); with
 * prior at the stated rates; with zero near 0.5.
 */
class OutputBiasInitTest {

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({"esmm,shared-bottom", "escm2-ips,mmoe", "escm2-dr,shared-bottom", "dcmt,ple", "mtl-eib,mmoe"})
    void firstBatchBaseRatesSetTheStartingPredictions(String objective, String extractor) {
        LabeledSample[] samples = TinyData.samples(90, 11);
        double clicks = 0;
        double conversions = 0;
        for (LabeledSample s : samples) {
            clicks += s.click;
            conversions += s.conversion;
        }
        double ctr = clicks / samples.length;
        double cvr = conversions / clicks;
        for (String init : new String[] {"first-batch", "prior", "zero"}) {
            Settings s = TinyData.tinySettings(objective, extractor);
            s.set(Settings.OUTPUT_BIAS_INIT, init);
            s.set(Settings.PRIOR_CTR, 0.05);
            s.set(Settings.PRIOR_CVR, 0.8);
            s.set(Settings.LEARNING_RATE, 1e-6);
            s.set(Settings.EMBEDDING_LEARNING_RATE, 1e-6);
            try (Backend be = Backends.create("java");
                    CvrModel m = new CvrModel(s, TinyData.space(s), be, samples.length)) {
                EncodedBatch b = TinyData.encode(new BatchEncoder(m.featureSpace()), samples);
                m.trainStep(b);
                float[] pc = new float[b.n];
                float[] pv = new float[b.n];
                m.predict(b, pc, pv);
                double meanCtr = 0;
                double meanCvr = 0;
                for (int i = 0; i < b.n; i++) {
                    meanCtr += pc[i] / b.n;
                    meanCvr += samples[i].click == 1 ? pv[i] / clicks : 0;
                }
                if (init.equals("first-batch")) {
                    assertThat(meanCtr).as("mean pCTR").isCloseTo(ctr, within(0.08));
                    assertThat(meanCvr).as("mean pCVR of clicks").isCloseTo(cvr, within(0.08));
                } else if (init.equals("prior")) {
                    assertThat(meanCtr).as("mean pCTR").isCloseTo(0.05, within(0.04));
                    assertThat(meanCvr).as("mean pCVR of clicks").isCloseTo(0.8, within(0.08));
                } else {
                    assertThat(meanCtr).as("mean pCTR").isCloseTo(0.5, within(0.15));
                }
            }
        }
    }
}
