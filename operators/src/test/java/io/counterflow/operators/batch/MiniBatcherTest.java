package io.counterflow.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Harness tests of {@link MiniBatcher} without a mixing buffer ({@code mixing-buffer = 0}, the default: the batcher
 * before mixing existed, unchanged): count trigger, processing-time trigger, end of input, restore. The mixing
 * buffer is tested in {@link MixingBufferTest}.
 */
class MiniBatcherTest {

    private static BatcherHarness open(int size, long maxDelayMs, OperatorSubtaskState restore) throws Exception {
        return BatcherHarness.open(BatcherHarness.plain(size, maxDelayMs), restore);
    }

    @Test
    void emitsABatchAsSoonAsBatchSizeSamplesAreBuffered() throws Exception {
        try (BatcherHarness b = open(3, 1000, null)) {
            b.time(0);
            for (int i = 0; i < 7; i++) {
                b.add(i);
            }
            assertThat(b.batches()).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5));
            assertThat(b.operator.buffered()).isEqualTo(1);
            assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isEqualTo(1); // for sample 6 only
        }
    }

    @Test
    void emitsWhatIsBufferedWhenTheMaxDelayHasPassedSinceTheFirstSample() throws Exception {
        try (BatcherHarness b = open(100, 1000, null)) {
            b.time(10).add(0).time(500).add(1).time(1009);
            assertThat(b.batches()).isEmpty();
            b.time(1010);
            assertThat(b.batches()).containsExactly(List.of(0, 1));
            assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isZero();
            // the next batch's delay starts at its own first sample
            b.time(5000).add(2).time(5999);
            assertThat(b.batches()).hasSize(1);
            b.time(6000);
            assertThat(b.batches()).containsExactly(List.of(0, 1), List.of(2));
        }
    }

    @Test
    void aCountTriggeredBatchCancelsItsTimer() throws Exception {
        try (BatcherHarness b = open(2, 1000, null)) {
            b.time(0).add(0).add(1);
            assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isZero();
            b.time(5000);
            assertThat(b.batches()).containsExactly(List.of(0, 1));
        }
    }

    @Test
    void flushesOnEndOfInput() throws Exception {
        try (BatcherHarness b = open(100, 60_000, null)) {
            b.time(0).add(0).add(1).add(2);
            b.harness.endInput();
            assertThat(b.batches()).containsExactly(List.of(0, 1, 2));
        }
    }

    @Test
    void snapshotRestoreAndContinueLosesNothingAndMatchesAnUninterruptedRun() throws Exception {
        List<List<Integer>> uninterrupted;
        try (BatcherHarness b = open(3, 1000, null)) {
            b.time(0).add(0).add(1).add(2).add(3).add(4).add(5).add(6);
            b.harness.endInput();
            uninterrupted = b.batches();
        }
        List<List<Integer>> out = new ArrayList<>();
        OperatorSubtaskState snap;
        try (BatcherHarness b = open(3, 1000, null)) {
            b.time(0).add(0).add(1).add(2).add(3).add(4); // [0,1,2] out, [3,4] buffered
            snap = b.harness.snapshot(1, 1);
            out.addAll(b.batches());
        }
        try (BatcherHarness b = open(3, 1000, snap)) {
            assertThat(b.operator.buffered()).isEqualTo(2);
            b.add(5).add(6);
            b.harness.endInput();
            out.addAll(b.batches());
        }
        assertThat(out).isEqualTo(uninterrupted).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6));
    }

    @Test
    void restoredSamplesAreFlushedByTheTimerToo() throws Exception {
        OperatorSubtaskState snap;
        try (BatcherHarness b = open(10, 1000, null)) {
            b.time(0).add(0).add(1);
            snap = b.harness.snapshot(1, 1);
        }
        try (BatcherHarness b = open(10, 1000, snap)) {
            // the restored harness's clock starts at 0: the delay restarts from the restore
            assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isEqualTo(1);
            b.time(1000);
            assertThat(b.batches()).containsExactly(List.of(0, 1));
        }
    }

    @Test
    void settingsAreValidatedWithMessagesThatNameTheSetting() {
        assertThatThrownBy(() -> new MiniBatchSettings(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counterflow.batch.size");
        assertThatThrownBy(() -> new MiniBatchSettings(10, Duration.ZERO))
                .hasMessageContaining("counterflow.batch.max-delay");
        assertThat(MiniBatchSettings.defaults().batchSize()).isEqualTo(256);
        assertThat(MiniBatchSettings.defaults().maxDelayMs()).isEqualTo(1000);
        assertThatThrownBy(() -> new MiniBatchSettings(10, Duration.ofSeconds(1), -1, 0L))
                .hasMessageContaining("counterflow.batch.mixing-buffer must be between 0 and 16777216 (got -1)");
        assertThatThrownBy(() -> new MiniBatchSettings(10, Duration.ofSeconds(1), (1 << 24) + 1, 0L))
                .hasMessageContaining("counterflow.batch.mixing-buffer");
        assertThatThrownBy(() -> new MiniBatchSettings(64, Duration.ofSeconds(1), 63, 0L)).hasMessage(
                "counterflow.batch.mixing-buffer must be 0 or at least counterflow.batch.size (64) (got 63)");
        assertThat(MiniBatchSettings.defaults().mixingBuffer()).isZero();
        assertThat(MiniBatchSettings.defaults().mixing()).isFalse();
        assertThat(new MiniBatchSettings(64, Duration.ofSeconds(1), 64, 0L).mixing()).isTrue();
        Configuration config = new Configuration();
        config.set(MiniBatchSettings.MIXING_BUFFER.option(), 3 * 256);
        config.set(MiniBatchSettings.MIXING_SEED.option(), 99L);
        MiniBatchSettings read = MiniBatchSettings.fromConfig(config);
        assertThat(read.mixingBuffer()).isEqualTo(3 * 256);
        assertThat(read.mixingSeed()).isEqualTo(99L);
    }

    @Test
    void sampleBatchHasAnExplicitSerializerOverPojoSamples() {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes();
        assertThat(SampleBatch.TYPE_INFO.createSerializer(config)).isInstanceOf(SampleBatchSerializer.class);
        assertThat(((SampleBatchSerializer) SampleBatch.TYPE_INFO.createSerializer(config)).sampleSerializer())
                .isInstanceOf(org.apache.flink.api.java.typeutils.runtime.PojoSerializer.class);
    }
}
