package io.counterflow.operators.batch;

import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Arrays;
import java.util.List;

/**
 * A mini-batch of labeled samples, in arrival order. Invariant: {@code count == samples.length}, {@code count >=
 * 1}. A Flink POJO ({@code LabeledSample[]} is an object array of a POJO type, so no Kryo). Consumers must not
 * mutate the samples: they may be shared with the emitting operator's checkpoint copy.
 */
public final class SampleBatch {
    /** Explicit type information; a {@code PojoTypeInfo}, never a generic type. */
    public static final TypeInformation<SampleBatch> TYPE_INFO = Types.POJO(SampleBatch.class);

    public LabeledSample[] samples;
    public int count;

    /** For Flink's POJO serializer. */
    public SampleBatch() {}

    public SampleBatch(LabeledSample[] samples) {
        this.samples = samples;
        this.count = samples.length;
    }

    public static SampleBatch of(List<LabeledSample> samples) {
        return new SampleBatch(samples.toArray(new LabeledSample[0]));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampleBatch && ((SampleBatch) o).count == count
                && Arrays.equals(((SampleBatch) o).samples, samples);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(samples);
    }

    @Override
    public String toString() {
        return "SampleBatch{count=" + count + "}";
    }
}
