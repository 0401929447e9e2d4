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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;

/**
 * Groups {@link LabeledSample}s into {@link SampleBatch}es (non-keyed; each parallel instance batches what it
 * receives). A batch is emitted when {@code batchSize} samples are buffered (count trigger), when {@code maxDelay}
 * of PROCESSING time has passed since the first sample of the batch was buffered (timer), and at end of input.
 *
 * <p>State: the buffer lives on the heap between checkpoints and is written explicitly to operator {@code
 * ListState} in {@link #snapshotState} (split redistribution, so on rescale the buffered samples are dealt out to
 * the new instances; none is lost or duplicated). After a restore the delay of restored samples starts again
 * from the restore (processing time is not comparable across processes), so a restored sample can wait up to
 * {@code maxDelay} once more. Samples are never mutated after being buffered.
 *
 * <p>Metrics: {@code batches}, {@code batchedSamples}, {@code batchesByTimer}.
 */
public final class MiniBatcher extends AbstractStreamOperator<SampleBatch>
        implements OneInputStreamOperator<LabeledSample, SampleBatch>, BoundedOneInput, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;

    /** Default uid and name. */
    public static final String NAME = "mini-batcher";

    private static final TypeInformation<LabeledSample> SAMPLE_TYPE = Types.POJO(LabeledSample.class);

    private final MiniBatchSettings settings;

    private transient List<LabeledSample> buffer;
    private transient ListState<LabeledSample> checkpointedBuffer;
    /** The pending max-delay timer, or {@code null} while the buffer is empty. */
    private transient ScheduledFuture<?> timer;
    /** Processing time at which the current buffer must be flushed; meaningful only while {@link #timer} is set. */
    private transient long deadline;
    private transient Counter batches;
    private transient Counter batchedSamples;
    private transient Counter batchesByTimer;

    public MiniBatcher(MiniBatchSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Wires the batcher with uid and name {@value #NAME}, keeping the input's parallelism. */
    public static SingleOutputStreamOperator<SampleBatch> batch(DataStream<LabeledSample> samples,
            MiniBatchSettings settings) {
        return samples.transform(NAME, SampleBatch.TYPE_INFO, new MiniBatcher(settings)).uid(NAME).name(NAME);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        checkpointedBuffer = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("mini-batch-buffer", SAMPLE_TYPE));
        buffer = new ArrayList<>(settings.batchSize());
        if (context.isRestored()) {
            for (LabeledSample s : checkpointedBuffer.get()) {
                buffer.add(s);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        batches = getMetricGroup().counter("batches");
        batchedSamples = getMetricGroup().counter("batchedSamples");
        batchesByTimer = getMetricGroup().counter("batchesByTimer");
        // Restored samples: emit full batches now (a restore with a smaller batch size), arm the timer for the rest.
        while (buffer.size() >= settings.batchSize()) {
            emit(settings.batchSize());
        }
        if (!buffer.isEmpty()) {
            armTimer();
        }
    }

    @Override
    public void processElement(StreamRecord<LabeledSample> record) throws Exception {
        buffer.add(record.getValue());
        if (buffer.size() >= settings.batchSize()) {
            emit(buffer.size());
        } else if (timer == null) {
            armTimer();
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        // A timer cancelled too late to stop it still runs: only a current, due one flushes.
        if (timer != null && time >= deadline && !buffer.isEmpty()) {
            timer = null;
            batchesByTimer.inc();
            emit(buffer.size());
        }
    }

    @Override
    public void endInput() throws Exception {
        if (!buffer.isEmpty()) {
            emit(buffer.size());
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointedBuffer.update(buffer);
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

    /** Emits the first {@code n} buffered samples as one batch; re-arms the timer if samples remain. */
    private void emit(int n) {
        List<LabeledSample> head = buffer.subList(0, n);
        SampleBatch batch = SampleBatch.of(head);
        head.clear();
        cancelTimer();
        batches.inc();
        batchedSamples.inc(batch.count);
        output.collect(new StreamRecord<>(batch));
        if (!buffer.isEmpty()) {
            armTimer();
        }
    }

    /** Test hook. */
    int buffered() {
        return buffer.size();
    }
}
