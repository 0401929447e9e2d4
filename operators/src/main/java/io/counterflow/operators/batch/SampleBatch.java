package io.counterflow.operators.batch;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.EncodedSamples;

import org.apache.flink.api.common.typeinfo.TypeInformation;

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
    public static final TypeInformation<SampleBatch> TYPE_INFO = new SampleBatchTypeInfo();

    public LabeledSample[] samples;
    public int count;
    /** The encoded form, or {@code null} for a batch of samples. */
    public EncodedSamples encoded;

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
