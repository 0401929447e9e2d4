package io.counterflow.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Harness tests of {@link MiniBatcher}: count trigger, processing-time trigger, end of input, restore. */
class MiniBatcherTest {

    @Test
    void emitsABatchAsSoonAsBatchSizeSamplesAreBuffered() throws Exception {
        try (Batcher b = Batcher.open(3, 1000, null)) {
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
        try (Batcher b = Batcher.open(100, 1000, null)) {
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
        try (Batcher b = Batcher.open(2, 1000, null)) {
            b.time(0).add(0).add(1);
            assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isZero();
            b.time(5000);
            assertThat(b.batches()).containsExactly(List.of(0, 1));
        }
    }

    @Test
    void flushesOnEndOfInput() throws Exception {
        try (Batcher b = Batcher.open(100, 60_000, null)) {
            b.time(0).add(0).add(1).add(2);
            b.harness.endInput();
            assertThat(b.batches()).containsExactly(List.of(0, 1, 2));
        }
    }

    @Test
    void snapshotRestoreAndContinueLosesNothingAndMatchesAnUninterruptedRun() throws Exception {
        List<List<Integer>> uninterrupted;
        try (Batcher b = Batcher.open(3, 1000, null)) {
            b.time(0).add(0).add(1).add(2).add(3).add(4).add(5).add(6);
            b.harness.endInput();
            uninterrupted = b.batches();
        }
        List<List<Integer>> out = new ArrayList<>();
        OperatorSubtaskState snap;
        try (Batcher b = Batcher.open(3, 1000, null)) {
            b.time(0).add(0).add(1).add(2).add(3).add(4); // [0,1,2] out, [3,4] buffered
            snap = b.harness.snapshot(1, 1);
            out.addAll(b.batches());
        }
        try (Batcher b = Batcher.open(3, 1000, snap)) {
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
        try (Batcher b = Batcher.open(10, 1000, null)) {
            b.time(0).add(0).add(1);
            snap = b.harness.snapshot(1, 1);
        }
        try (Batcher b = Batcher.open(10, 1000, snap)) {
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
    }

    @Test
    void sampleBatchIsAPojo() {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes();
        assertThat(SampleBatch.TYPE_INFO).isInstanceOf(PojoTypeInfo.class);
        SampleBatch.TYPE_INFO.createSerializer(config);
    }

    /** Fluent wrapper of the harness; samples are numbered by their {@code ts}. */
    private static final class Batcher implements AutoCloseable {
        final MiniBatcher operator;
        final OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> harness;

        private Batcher(MiniBatcher operator, OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h) {
            this.operator = operator;
            this.harness = h;
        }

        static Batcher open(int size, long maxDelayMs, OperatorSubtaskState restore) throws Exception {
            MiniBatcher op = new MiniBatcher(new MiniBatchSettings(size, Duration.ofMillis(maxDelayMs)));
            OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = new OneInputStreamOperatorTestHarness<>(
                    op, Types.POJO(LabeledSample.class).createSerializer(new ExecutionConfig()));
            h.getExecutionConfig().disableGenericTypes();
            h.setup(SampleBatch.TYPE_INFO.createSerializer(h.getExecutionConfig()));
            if (restore != null) {
                h.initializeState(restore);
            }
            h.open();
            return new Batcher(op, h);
        }

        Batcher add(int n) throws Exception {
            harness.processElement(new LabeledSample("imp-" + n, n, n % 2, 0, new Features(), null), n);
            return this;
        }

        Batcher time(long t) throws Exception {
            harness.setProcessingTime(t);
            return this;
        }

        List<List<Integer>> batches() {
            List<List<Integer>> out = new ArrayList<>();
            for (SampleBatch b : harness.extractOutputValues()) {
                assertThat(b.count).isEqualTo(b.samples.length);
                List<Integer> ids = new ArrayList<>();
                for (LabeledSample s : b.samples) {
                    ids.add((int) s.ts);
                }
                out.add(ids);
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            harness.close();
        }
    }
}
