package io.counterflow.operators.batch;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.EncodedSamples;

import io.counterflow.operators.wire.WireTypeInfo;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A mini-batch of labeled samples, in arrival order, in one of two forms: the samples themselves ({@link #samples},
 * as the batcher emits them), or their encoding for the trainer ({@link #encoded}, as the encoder upstream of the
 * trainer emits them; {@code samples} is then {@code null}). Invariant: {@code count >= 1}, and {@code count ==
 * samples.length} or {@code count == encoded.n}. Serialised by {@link SampleBatchSerializer} (never Kryo). Batches
 * are immutable once emitted: consumers must not mutate the samples or the encoding (they may be shared with the
 * emitting operator's checkpoint copy, and a chained copy is shallow).
 */
public final class SampleBatch {
    /** Explicit type information: {@link SampleBatchSerializer}. */
    public static final TypeInformation<SampleBatch> TYPE_INFO = new WireTypeInfo<>(SampleBatch.class,
            config -> new SampleBatchSerializer(Types.POJO(LabeledSample.class).createSerializer(config)));

    public LabeledSample[] samples;
    public int count;
    /** The encoded form, or {@code null} for a batch of samples. */
    public EncodedSamples encoded;
    /** Whether {@link #encoded} was read from the network by this thread's serializer, so it may be recycled. */
    transient boolean recyclable;

    /** An empty batch, for serializers. */
    public SampleBatch() {}

    public SampleBatch(LabeledSample[] samples) {
        this.samples = samples;
        this.count = samples.length;
    }

    public static SampleBatch of(List<LabeledSample> samples) {
        return new SampleBatch(samples.toArray(new LabeledSample[0]));
    }

    /** A batch in encoded form. */
    /**
     * Encoded batches released on this thread, for the next batch read on it ({@link SampleBatchSerializer}): the
     * trainer reads a batch from the network and trains on it on one thread, so one released batch is enough.
     */
    private static final ThreadLocal<EncodedSamples[]> RELEASED = ThreadLocal.withInitial(() -> new EncodedSamples[1]);

    /**
     * The consumer of this batch is done with it: no reference to its encoded arrays is kept, so the next batch
     * read from the network on this thread may reuse them instead of allocating new ones. Call only from the
     * thread that read the batch (a task's thread), and do not touch the batch afterwards. Batches that were not
     * read by {@link SampleBatchSerializer} on this thread (built in process, or copied) are left as they are.
     */
    public void release() {
        if (recyclable && encoded != null) {
            recyclable = false;
            RELEASED.get()[0] = encoded;
            encoded = null;
        }
    }

    /** The encoded batch released last on this thread, or null; it is the caller's afterwards. */
    static EncodedSamples takeReleased() {
        EncodedSamples[] slot = RELEASED.get();
        EncodedSamples e = slot[0];
        slot[0] = null;
        return e;
    }

    public static SampleBatch encoded(EncodedSamples encoded) {
        SampleBatch b = new SampleBatch();
        b.encoded = Objects.requireNonNull(encoded, "encoded");
        b.count = encoded.n;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampleBatch && ((SampleBatch) o).count == count
                && Arrays.equals(((SampleBatch) o).samples, samples) && ((SampleBatch) o).encoded == encoded;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(samples);
    }

    @Override
    public String toString() {
        return "SampleBatch{count=" + count + (encoded != null ? ", encoded" : "") + "}";
    }
}
