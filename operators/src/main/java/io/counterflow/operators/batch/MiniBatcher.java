package io.counterflow.operators.batch;

import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;

/**
 * Groups {@link LabeledSample}s into {@link SampleBatch}es of at most {@code B = batchSize} samples (non-keyed;
 * each parallel instance batches what it receives), optionally through a mixing buffer of {@code M} samples.
 *
 * <p><b>Without mixing</b> ({@code mixingBuffer = 0}, the default): batches in arrival order. A batch is emitted
 * when B samples are buffered (count trigger), when {@code maxDelay} of PROCESSING time has passed since the first
 * sample of the batch was buffered (timer), and at end of input.
 *
 * <p><b>With mixing</b> ({@code M ≥ B}; write {@code k = M / B}): the label join releases samples in bursts of one
 * label kind whenever the watermark jumps (idle sources, restarts, a backfill, end of input: thousands of
 * clicked-unconverted samples at once when the attribution windows close), and batches of one kind skew the model.
 * The batcher then keeps up to M samples and emits batches drawn uniformly at random, without replacement, from
 * everything buffered: a shuffle buffer, as tf.data's {@code shuffle(M)} followed by {@code batch(B)}.
 * <ul>
 *   <li>Count trigger: once M samples are buffered, one batch of B is drawn (the buffer then holds M − B).</li>
 *   <li>Timer: while samples are buffered, at least one batch is emitted per {@code maxDelay} of processing time:
 *       the timer is armed when a sample enters an empty buffer and after every emission that leaves samples
 *       behind; when it fires, it draws ONE batch of {@code min(B, buffered)}. Draining one batch per tick, not
 *       the whole buffer, keeps a burst's leftovers spread over later batches under low traffic. Latency: once
 *       input stops, everything is emitted within {@code ceil(buffered / B) ≤ ceil(k)} ticks; with arrivals of
 *       {@code r < B} samples per {@code maxDelay} the buffer shrinks by at least {@code B − r} per tick, so a
 *       sample waits at most {@code (1 + ceil((M − B) / (B − r))) × maxDelay}. Under heavy traffic the count
 *       trigger fires first and a sample's wait, counted in batches, is geometric with mean {@code k − 1} (each
 *       batch takes a given buffered sample with probability {@code B / M}).</li>
 *   <li>End of input: everything is drained, in batches of B (the last one smaller), each drawn uniformly from
 *       what is left.</li>
 * </ul>
 *
 * <p>What a shuffle buffer can and cannot do: it spreads a burst of N samples over about {@code (N + M) / B}
 * batches, mixed with the M samples buffered before it; the other kinds' share of the buffer decays by a factor
 * {@code 1 − 1/k} per batch of the burst, so the burst kind's share stays near its base rate only while {@code N
 * ≪ M}, and a burst longer than M ends up mostly of its own kind (no buffer can mix a burst with samples that have
 * not arrived). That is why mixing is off by default: with Adam, whose steps have about the same size whatever the
 * gradient's, spreading a burst that the buffer cannot dilute turns a few pure batches into many half-pure ones
 * and moves the model further (measured in docs/batching.md: M = 8 B makes the demo's final model worse, M covering
 * the traffic of one attribution window makes it better). Every sample is emitted exactly once, so the training
 * data's label mean is untouched. A per-kind rate cap was considered and not built: it can only delay a burst (end
 * of input must still drain it, in pure batches) and needs the kinds' normal rates, which the batcher does not
 * know.
 *
 * <p>Randomness: a {@link SplittableRandom} per batch, seeded from a {@code long} state that the batch's draws then
 * advance ({@code state = rng.nextLong()}); the first state comes from {@code mixingSeed} and the subtask index.
 * The state is checkpointed with the buffer, so a job restored at the same parallelism draws exactly the batches of
 * an uninterrupted run. Draws are swap-removes in a fixed array: no per-sample allocation.
 *
 * <p>State: the buffer lives on the heap between checkpoints and is written explicitly to operator {@code
 * ListState} in {@link #snapshotState} (split redistribution, so on rescale the buffered samples are dealt out to
 * the new instances; none is lost or duplicated); the generator state is one {@code Long} per instance in a second
 * split list state. On rescale an instance that receives exactly one generator state continues it; one that
 * receives none or several derives a new one from the seed, its index and those states (deterministic, but not
 * the draws of the old topology). An instance may restore M samples or more (scale-in, or a smaller M): it emits
 * full batches at once until fewer than M remain. After a restore the delay of restored samples starts again from
 * the restore (processing time is not comparable across processes), so a restored sample can wait up to {@code
 * maxDelay} once more. Samples are never mutated after being buffered.
 *
 * <p>Metrics: {@code batches}, {@code batchedSamples}, {@code batchesByTimer}.
 */
public final class MiniBatcher extends AbstractStreamOperator<SampleBatch>
        implements OneInputStreamOperator<LabeledSample, SampleBatch>, BoundedOneInput, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;

    /** Default uid and name. */
    public static final String NAME = "mini-batcher";

    private static final TypeInformation<LabeledSample> SAMPLE_TYPE = Types.POJO(LabeledSample.class);
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final MiniBatchSettings settings;
    /** Buffered samples at which a batch is emitted: M with mixing, else B. */
    private final int threshold;

    /** {@code buffer[0, size)} are the buffered samples; the rest is null so nothing emitted stays reachable. */
    private transient LabeledSample[] buffer;
    private transient int size;
    /** State of the mixing draws; advanced once per mixed batch. */
    private transient long rngState;
    private transient ListState<LabeledSample> checkpointedBuffer;
    private transient ListState<Long> checkpointedRng;
    /** The pending max-delay timer, or {@code null} while the buffer is empty. */
    private transient ScheduledFuture<?> timer;
    /** Processing time at which the current buffer must be flushed; meaningful only while {@link #timer} is set. */
    private transient long deadline;
    private transient Counter batches;
    private transient Counter batchedSamples;
    private transient Counter batchesByTimer;

    public MiniBatcher(MiniBatchSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.threshold = settings.mixing() ? settings.mixingBuffer() : settings.batchSize();
    }

    /** Wires the batcher with uid and name {@value #NAME}, keeping the input's parallelism. */
    public static SingleOutputStreamOperator<SampleBatch> batch(DataStream<LabeledSample> samples,
            MiniBatchSettings settings) {
        return samples.transform(NAME, SampleBatch.TYPE_INFO, new MiniBatcher(settings)).uid(NAME).name(NAME);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // The buffer's name and type are those of the batcher before mixing, so its checkpoints still restore.
        // The samples' own serializer, but the checkpoint's synchronous copy of the buffer shares the (immutable)
        // samples instead of copying each: see SharedSampleSerializer.
        checkpointedBuffer = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(
                "mini-batch-buffer", new SharedSampleSerializer(
                        SAMPLE_TYPE.createSerializer(getExecutionConfig().getSerializerConfig()))));
        checkpointedRng = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("mini-batch-mixing-rng", Types.LONG));
        List<LabeledSample> restored = new ArrayList<>();
        List<Long> restoredRng = new ArrayList<>();
        if (context.isRestored()) {
            checkpointedBuffer.get().forEach(restored::add);
            checkpointedRng.get().forEach(restoredRng::add);
        }
        buffer = new LabeledSample[Math.max(threshold, restored.size())];
        size = 0;
        for (LabeledSample s : restored) {
            buffer[size++] = s;
        }
        rngState = initialRngState(settings.mixingSeed(),
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), restoredRng);
    }

    /** The restored state when there is exactly one, else one derived from the seed, subtask and restored states. */
    static long initialRngState(long seed, int subtask, List<Long> restored) {
        if (restored.size() == 1) {
            return restored.get(0);
        }
        long state = new SplittableRandom(seed ^ (GOLDEN_GAMMA * (subtask + 1L))).nextLong();
        for (long r : restored) {
            state = new SplittableRandom(state ^ r).nextLong();
        }
        return state;
    }

    @Override
    public void open() throws Exception {
        super.open();
        batches = getMetricGroup().counter("batches");
        batchedSamples = getMetricGroup().counter("batchedSamples");
        batchesByTimer = getMetricGroup().counter("batchesByTimer");
        // Restored samples: emit full batches now (a restore with a smaller buffer or after scale-in), arm the
        // timer for the rest.
        while (size >= threshold) {
            emit(settings.batchSize());
        }
        if (size > 0 && timer == null) {
            armTimer();
        }
    }

    @Override
    public void processElement(StreamRecord<LabeledSample> record) throws Exception {
        // size < threshold <= buffer.length here: every path that adds samples emits at the threshold.
        buffer[size++] = record.getValue();
        if (size >= threshold) {
            emit(settings.batchSize());
        } else if (timer == null) {
            armTimer();
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        // A timer cancelled too late to stop it still runs: only a current, due one flushes.
        if (timer != null && time >= deadline && size > 0) {
            timer = null;
            batchesByTimer.inc();
            emit(Math.min(settings.batchSize(), size));
        }
    }

    @Override
    public void endInput() throws Exception {
        while (size > 0) {
            emit(Math.min(settings.batchSize(), size));
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // The backend copies the list during the synchronous part, so later swap-removes do not leak into it.
        checkpointedBuffer.update(Arrays.asList(buffer).subList(0, size));
        checkpointedRng.update(List.of(rngState));
    }

    @Override
    public void close() throws Exception {
        cancelTimer();
        super.close();
    }

    private void armTimer() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        deadline = now + settings.maxDelayMs();
        timer = getProcessingTimeService().registerTimer(deadline, this);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * Emits {@code n <= size} buffered samples as one batch: drawn uniformly without replacement with mixing, else
     * the first {@code n} in arrival order. Re-arms the timer if samples remain.
     */
    private void emit(int n) {
        LabeledSample[] out = new LabeledSample[n];
        if (settings.mixing()) {
            SplittableRandom rng = new SplittableRandom(rngState);
            for (int i = 0; i < n; i++) {
                int j = rng.nextInt(size);
                out[i] = buffer[j];
                buffer[j] = buffer[--size]; // swap-remove: the buffer's order is part of the checkpointed state
                buffer[size] = null;
            }
            rngState = rng.nextLong();
        } else {
            System.arraycopy(buffer, 0, out, 0, n);
            System.arraycopy(buffer, n, buffer, 0, size - n);
            Arrays.fill(buffer, size - n, size, null);
            size -= n;
        }
        cancelTimer();
        batches.inc();
        batchedSamples.inc(n);
        output.collect(new StreamRecord<>(new SampleBatch(out)));
        if (size > 0) {
            armTimer();
        }
    }

    /** Test hook. */
    int buffered() {
        return size;
    }
}
