package io.counterflow.operators.batch;

import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information of {@link SampleBatch}: {@link SampleBatchSerializer} over the POJO serializer of its samples. */
final class SampleBatchTypeInfo extends TypeInformation<SampleBatch> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<SampleBatch> getTypeClass() {
        return SampleBatch.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<SampleBatch> createSerializer(SerializerConfig config) {
        return new SampleBatchSerializer(Types.POJO(LabeledSample.class).createSerializer(config));
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<SampleBatch> createSerializer(ExecutionConfig config) {
        return createSerializer(config.getSerializerConfig());
    }

    @Override
    public String toString() {
        return "SampleBatch";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampleBatchTypeInfo;
    }

    @Override
    public int hashCode() {
        return SampleBatchTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof SampleBatchTypeInfo;
    }
}
