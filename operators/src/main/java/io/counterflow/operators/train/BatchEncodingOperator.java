package io.counterflow.operators.train;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedSamples;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.operators.batch.SampleBatch;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The trainer's front half: encodes each {@link SampleBatch} of samples into its encoded form ({@link
 * EncodedSamples}: hashing, multi-valued fields, numeric statistics and standardisation, unique-row slots, the
 * finiteness check and the rows' audit and delay-model columns), so that the trainer's thread only trains. Runs at
 * parallelism 1 right after the batcher and chains to it (the trainer stays a separate task: chaining it here would
 * put the encoding back on its thread, and the records cross the network as compact primitive arrays instead of
 * sample objects).
 *
 * <h2>The feature space belongs to the encoder</h2>
 * It is created on the first finite batch (from the configuration, or inferred from that batch and then fixed for
 * the model's life, as the trainer did before), its numeric statistics absorb every encoded batch, and it is this
 * operator's checkpointed state. Every encoded batch carries the schema and the statistics after it; the trainer
 * creates its model from the first one and copies the statistics into its model before each step, so the model of
 * a checkpoint, and every version published from it, has the encoder's statistics as of that checkpoint (the
 * encoder's state at a barrier covers exactly the batches the trainer received before it). Batches are encoded in
 * steps of the trainer's batch capacity, with the same {@link BatchEncoder} code as the offline trainer and as the
 * trainer's own path: a model trained through the encoder equals one trained on the same batches of samples.
 *
 * <h2>State</h2>
 * One {@code byte[]} in operator list state {@value #STATE_NAME}: version {@value #STATE_VERSION}, the mode, and
 * the feature space (schema and statistics) when there is one; an unknown version is rejected with a message.
 * <b>Savepoints from before the encoder existed</b> hold the feature space in the trainer's state only: an encoder
 * restored without state of its own cannot know it, so it passes batches of samples through unchanged and the
 * trainer encodes them itself with its restored feature space (its path before this operator existed); that mode
 * is part of this operator's state and lasts for the life of the restored job. A fresh job encodes here. Flink
 * tells an operator without state that its job was restored only when its task has state to restore: chained to
 * the batcher (the default) it does; with operator chaining disabled an old savepoint would start the encoder
 * afresh, with numeric statistics from zero.
 *
 * <p>Metrics: {@code encodedBatches}, {@code nonFiniteBatches}, {@code passedThroughBatches}.
 */
public final class BatchEncodingOperator extends AbstractStreamOperator<SampleBatch>
        implements OneInputStreamOperator<SampleBatch, SampleBatch> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BatchEncodingOperator.class);

    /** Default uid and name. */
    public static final String NAME = "batch-encoder";
    static final String STATE_NAME = "batch-encoder-state";
    static final int STATE_VERSION = 1;

    private final TrainingSettings settings;

    /** {@code null} until the first finite batch (or a restore of a state that had one). */
    private transient BatchEncoder encoder;
    /** True for a job restored from a state without an encoder: the trainer encodes. */
    private transient boolean passThrough;
    private transient ListState<byte[]> state;
    private transient Counter encodedBatches;
    private transient Counter nonFiniteBatches;
    private transient Counter passedThroughBatches;

    public BatchEncodingOperator(TrainingSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>(STATE_NAME, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        if (context.isRestored()) {
            List<byte[]> restored = new ArrayList<>();
            state.get().forEach(restored::add);
            if (restored.isEmpty()) {
                passThrough = true;
                LOG.warn("Restored from a state without the batch encoder's (taken before it existed): the trainer"
                        + " keeps encoding batches with its restored feature space for the life of this job");
            } else if (restored.size() > 1) {
                throw new IllegalStateException("the batch encoder's state holds " + restored.size()
                        + " entries; it runs at parallelism 1 and writes one");
            } else {
                read(restored.get(0));
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        if (parallelism != 1) {
            throw new IllegalStateException("BatchEncodingOperator must run at parallelism 1 (got " + parallelism
                    + "): it holds the one model's feature space");
        }
        encodedBatches = getMetricGroup().counter("encodedBatches");
        nonFiniteBatches = getMetricGroup().counter("nonFiniteBatches");
        passedThroughBatches = getMetricGroup().counter("passedThroughBatches");
    }

    @Override
    public void processElement(StreamRecord<SampleBatch> record) throws Exception {
        SampleBatch batch = record.getValue();
        if (passThrough || batch.encoded != null) {
            passedThroughBatches.inc();
            output.collect(record);
            return;
        }
        output.collect(record.replace(SampleBatch.encoded(encode(batch.samples, batch.count))));
    }

    /** The encoded form of samples[0, n); creates the feature space on the first finite batch. */
    EncodedSamples encode(LabeledSample[] samples, int n) {
        if (!EncodedSamples.finite(samples, n)) {
            nonFiniteBatches.inc();
            // Not encoded: the statistics would absorb the value and poison every later batch.
            return encoder == null ? EncodedSamples.nonFinite(samples, n)
                    : EncodedSamples.encode(encoder, samples, n, settings.batchCapacity());
        }
        if (encoder == null) {
            encoder = new BatchEncoder(TrainingOperator.featureSpace(settings, samples, n));
        }
        encodedBatches.inc();
        return EncodedSamples.encode(encoder, samples, n, settings.batchCapacity());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.update(List.of(write()));
    }

    // ------------------------------------------------------------------------------------------------ state format

    byte[] write() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(STATE_VERSION);
            out.writeBoolean(passThrough);
            out.writeBoolean(encoder != null);
            if (encoder != null) {
                FeatureSpace s = encoder.space();
                writeStrings(s.catFields, out);
                writeStrings(s.multiFields, out);
                writeStrings(s.numFields, out);
                out.writeInt(s.dim);
                out.writeInt(s.buckets);
                out.writeBoolean(s.tablePerField);
                out.writeLong(s.hashSeed);
                for (double v : s.numericState()) {
                    out.writeDouble(v);
                }
            }
        }
        return bytes.toByteArray();
    }

    void read(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int version = in.readInt();
        if (version != STATE_VERSION) {
            throw new IOException("batch encoder state version " + version + " is not supported (this build reads "
                    + STATE_VERSION + ")");
        }
        passThrough = in.readBoolean();
        if (in.readBoolean()) {
            FeatureSpace s = new FeatureSpace(readStrings(in), readStrings(in), readStrings(in), in.readInt(),
                    in.readInt(), in.readBoolean(), in.readLong());
            double[] stats = new double[s.numFields.length * 3];
            for (int i = 0; i < stats.length; i++) {
                stats[i] = in.readDouble();
            }
            s.restoreNumericState(stats);
            encoder = new BatchEncoder(s);
            LOG.info("Restored the batch encoder's feature space: {}", s);
        }
        if (in.read() != -1) {
            throw new IOException("batch encoder state has trailing bytes (corrupt or a newer layout)");
        }
    }

    private static void writeStrings(String[] s, DataOutputStream out) throws IOException {
        out.writeInt(s.length);
        for (String x : s) {
            out.writeUTF(x);
        }
    }

    private static String[] readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("corrupt batch encoder state: " + n + " field names");
        }
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            s[i] = in.readUTF();
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------------ test hooks

    FeatureSpace space() {
        return encoder == null ? null : encoder.space();
    }

    boolean passesThrough() {
        return passThrough;
    }
}
