package io.counterflow.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fluent wrapper of a {@link MiniBatcher} harness, shared by the batcher's tests. Samples are numbered by their
 * {@code ts}; {@link #kind} tells the three label kinds apart.
 */
final class BatcherHarness implements AutoCloseable {
    static final int MAX_PARALLELISM = 128;

    /** Label kinds of a sample: not clicked; clicked, not converted; clicked and converted. */
    static final int UNCLICKED = 0;
    static final int CLICKED = 1;
    static final int CONVERTED = 2;

    final MiniBatcher operator;
    final OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> harness;

    private BatcherHarness(MiniBatcher operator, OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h) {
        this.operator = operator;
        this.harness = h;
    }

    /** Settings without a mixing buffer: today's arrival-order batches. */
    static MiniBatchSettings plain(int size, long maxDelayMs) {
        return new MiniBatchSettings(size, Duration.ofMillis(maxDelayMs), 0, 0L);
    }

    /** Settings with a mixing buffer of {@code k × size} samples. */
    static MiniBatchSettings mixed(int size, long maxDelayMs, int k, long seed) {
        return new MiniBatchSettings(size, Duration.ofMillis(maxDelayMs), k * size, seed);
    }

    static BatcherHarness open(MiniBatchSettings settings, OperatorSubtaskState restore) throws Exception {
        return open(settings, restore, 1, 0);
    }

    /** Subtask {@code subtask} of {@code parallelism}; {@code restore} is the state as repartitioned for it. */
    static BatcherHarness open(MiniBatchSettings settings, OperatorSubtaskState restore, int parallelism,
            int subtask) throws Exception {
        MiniBatcher op = new MiniBatcher(settings);
        OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h =
                new OneInputStreamOperatorTestHarness<>(op, MAX_PARALLELISM, parallelism, subtask);
        h.getExecutionConfig().disableGenericTypes();
        h.setup(SampleBatch.TYPE_INFO.createSerializer(h.getExecutionConfig()));
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return new BatcherHarness(op, h);
    }

    /** The state of all old subtasks, as Flink would hand it to {@code subtask} of {@code newParallelism}. */
    static OperatorSubtaskState rescale(List<OperatorSubtaskState> old, int newParallelism, int subtask)
            throws Exception {
        OperatorSubtaskState all = AbstractStreamOperatorTestHarness.repackageState(
                old.toArray(new OperatorSubtaskState[0]));
        return AbstractStreamOperatorTestHarness.repartitionOperatorState(all, MAX_PARALLELISM, old.size(),
                newParallelism, subtask);
    }

    static LabeledSample sample(long n, int kind) {
        return new LabeledSample("imp-" + n, n, kind == UNCLICKED ? 0 : 1, kind == CONVERTED ? 1 : 0,
                new Features(), null);
    }

    static int kind(LabeledSample s) {
        return s.click == 0 ? UNCLICKED : s.conversion == 0 ? CLICKED : CONVERTED;
    }

    /** Adds sample {@code n} (clicked when odd). */
    BatcherHarness add(int n) throws Exception {
        return add(new LabeledSample("imp-" + n, n, n % 2, 0, new Features(), null));
    }

    BatcherHarness add(LabeledSample s) throws Exception {
        harness.processElement(s, s.ts);
        return this;
    }

    BatcherHarness addRange(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            add(i);
        }
        return this;
    }

    BatcherHarness time(long t) throws Exception {
        harness.setProcessingTime(t);
        return this;
    }

    OperatorSubtaskState snapshot() throws Exception {
        return harness.snapshot(1, 1);
    }

    List<SampleBatch> output() {
        List<SampleBatch> out = harness.extractOutputValues();
        for (SampleBatch b : out) {
            assertThat(b.count).isEqualTo(b.samples.length).isPositive();
        }
        return out;
    }

    /** The emitted batches as lists of sample numbers. */
    List<List<Integer>> batches() {
        List<List<Integer>> out = new ArrayList<>();
        for (SampleBatch b : output()) {
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
