package io.counterflow.operators.batch;

import static io.counterflow.operators.batch.MiniBatcherGolden.BATCH_SIZE;
import static io.counterflow.operators.batch.MiniBatcherGolden.BUFFERED_AT_SNAPSHOT;
import static io.counterflow.operators.batch.MiniBatcherGolden.MAX_DELAY_MS;
import static io.counterflow.operators.batch.MiniBatcherGolden.SAMPLES;
import static io.counterflow.operators.batch.MiniBatcherGolden.V1;
import static io.counterflow.operators.batch.MiniBatcherGolden.open;
import static io.counterflow.operators.batch.MiniBatcherGolden.read;
import static io.counterflow.operators.batch.MiniBatcherGolden.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Restores the golden {@link MiniBatcher} snapshot written by commit 37aea4d ({@link LabeledSample} v1, without
 * {@code emission}, {@code clickTs}, {@code conversionTs}; see {@link MiniBatcherGolden} and
 * {@code src/test/resources/golden/README.md}) with the current code: Flink's PojoSerializer migrates the buffered
 * samples (new fields keep their defaults), and the batcher's later state (the mixing generator's list state,
 * absent from the file) is not needed to restore it.
 */
class MiniBatcherStateEvolutionTest {

    private static MiniBatchSettings plain() {
        return new MiniBatchSettings(BATCH_SIZE, Duration.ofMillis(MAX_DELAY_MS));
    }

    /** The samples buffered in the golden snapshot, as the old code built them (new fields at their defaults). */
    private static List<LabeledSample> bufferedAtSnapshot() {
        List<LabeledSample> out = new ArrayList<>();
        for (int n = SAMPLES - BUFFERED_AT_SNAPSHOT; n < SAMPLES; n++) {
            out.add(sample(n));
        }
        return out;
    }

    private static void assertOldFieldsIntactAndNewFieldsDefault(LabeledSample restored, LabeledSample expected) {
        assertThat(restored.id).isEqualTo(expected.id);
        assertThat(restored.ts).isEqualTo(expected.ts);
        assertThat(restored.click).isEqualTo(expected.click);
        assertThat(restored.conversion).isEqualTo(expected.conversion);
        assertThat(restored.features).isEqualTo(expected.features);
        assertThat(restored.truth).isEqualTo(expected.truth);
        assertThat(restored.emission).isEqualTo(Emission.FINAL);
        assertThat(restored.clickTs).isZero();
        assertThat(restored.conversionTs).isZero();
        assertThat(restored).isEqualTo(expected); // equals covers every field, old and new
    }

    private static LabeledSample newSample(int n) {
        LabeledSample s = new LabeledSample("new-imp-" + n, 1_800_000_000_000L + n, 1, 0, new Features(), null);
        s.emission = Emission.FIRST;
        s.clickTs = s.ts + 5_000;
        return s;
    }

    @Test
    void theGoldenSamplesCoverEveryOldField() {
        List<LabeledSample> b = bufferedAtSnapshot();
        assertThat(b).extracting(s -> s.id).doesNotHaveDuplicates();
        assertThat(b).anyMatch(s -> s.truth != null);
        assertThat(b).allMatch(s -> s.features.catNames.length > 0 && s.features.multiValues.length > 0
                && s.features.numValues.length > 0);
    }

    @Test
    void restoresTheOldBufferAndEmitsExactlyItsSamplesWithTheirOldFieldsAtEndOfInput() throws Exception {
        List<LabeledSample> expected = bufferedAtSnapshot();
        try (OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = open(plain(), read(V1))) {
            assertThat(h.extractOutputValues()).isEmpty();
            // the restored samples wait for the timer like fresh ones (the delay restarts at the restore)
            assertThat(h.getProcessingTimeService().getNumActiveTimers()).isEqualTo(1);
            h.endInput();
            List<SampleBatch> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            SampleBatch batch = out.get(0);
            assertThat(batch.count).isEqualTo(BUFFERED_AT_SNAPSHOT).isEqualTo(batch.samples.length);
            for (int i = 0; i < expected.size(); i++) {
                assertOldFieldsIntactAndNewFieldsDefault(batch.samples[i], expected.get(i));
            }
        }
    }

    @Test
    void restoredSamplesAreFlushedByTheTimer() throws Exception {
        try (OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = open(plain(), read(V1))) {
            h.setProcessingTime(MAX_DELAY_MS);
            List<SampleBatch> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).samples).containsExactlyElementsOf(bufferedAtSnapshot());
        }
    }

    @Test
    void continuesAfterTheRestoreWithNewSamplesCountTriggerThenSnapshotsAndRestoresTheNewFields() throws Exception {
        List<LabeledSample> expected = bufferedAtSnapshot();
        OperatorSubtaskState again;
        try (OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = open(plain(), read(V1))) {
            for (int n = 0; n < BATCH_SIZE - BUFFERED_AT_SNAPSHOT; n++) {
                h.processElement(newSample(n), newSample(n).ts);
            }
            // count trigger: the 2 restored samples first, in their old order, then the 2 new ones
            List<SampleBatch> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            LabeledSample[] batch = out.get(0).samples;
            assertThat(batch).hasSize(BATCH_SIZE);
            for (int i = 0; i < expected.size(); i++) {
                assertOldFieldsIntactAndNewFieldsDefault(batch[i], expected.get(i));
            }
            assertThat(batch[2]).isEqualTo(newSample(0));
            assertThat(batch[3]).isEqualTo(newSample(1));
            // a new sample with the new fields set, through a snapshot in the current format and a restore
            h.processElement(newSample(7), newSample(7).ts);
            again = h.snapshot(2, 2);
        }
        try (OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = open(plain(), again)) {
            h.endInput();
            List<SampleBatch> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            LabeledSample s = out.get(0).samples[0];
            assertThat(out.get(0).samples).containsExactly(newSample(7));
            assertThat(s.emission).isEqualTo(Emission.FIRST);
            assertThat(s.clickTs).isEqualTo(newSample(7).ts + 5_000);
        }
    }

    @Test
    void restoresIntoABatcherWithMixingWithoutTheGeneratorState() throws Exception {
        // The old snapshot has no "mini-batch-mixing-rng" state: the generator is derived from the seed instead.
        MiniBatchSettings mixed = new MiniBatchSettings(BATCH_SIZE, Duration.ofMillis(MAX_DELAY_MS),
                2 * BATCH_SIZE, 42L);
        try (OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = open(mixed, read(V1))) {
            assertThat(h.extractOutputValues()).isEmpty(); // 2 < M = 8: nothing drawn yet
            h.endInput();
            List<SampleBatch> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).samples).containsExactlyInAnyOrderElementsOf(bufferedAtSnapshot());
            for (LabeledSample s : out.get(0).samples) {
                assertThat(s.emission).isEqualTo(Emission.FINAL);
                assertThat(s.clickTs).isZero();
                assertThat(s.conversionTs).isZero();
            }
        }
    }
}
