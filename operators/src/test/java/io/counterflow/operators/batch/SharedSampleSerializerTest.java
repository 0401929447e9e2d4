package io.counterflow.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.testing.TinyData;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;

/** {@link SharedSampleSerializer}: the POJO serializer's bytes, shared copies, old POJO state compatible as is. */
class SharedSampleSerializerTest {
    private static TypeSerializer<LabeledSample> pojo() {
        ExecutionConfig c = new ExecutionConfig();
        c.disableGenericTypes();
        return Types.POJO(LabeledSample.class).createSerializer(c.getSerializerConfig());
    }

    @Test
    void writesThePojoSerializersBytesAndCopiesByReference() throws IOException {
        LabeledSample s = TinyData.samples(1, 4)[0];
        SharedSampleSerializer shared = new SharedSampleSerializer(pojo());
        DataOutputSerializer a = new DataOutputSerializer(64);
        DataOutputSerializer b = new DataOutputSerializer(64);
        shared.serialize(s, a);
        pojo().serialize(s, b);
        assertThat(a.getCopyOfBuffer()).isEqualTo(b.getCopyOfBuffer());
        assertThat(shared.deserialize(new DataInputDeserializer(a.getCopyOfBuffer()))).isEqualTo(s);
        assertThat(shared.copy(s)).isSameAs(s);
    }

    @Test
    void stateOfThePojoSerializerAndOfItselfIsCompatibleAsIs() throws IOException {
        SharedSampleSerializer shared = new SharedSampleSerializer(pojo());
        assertThat(shared.snapshotConfiguration().resolveSchemaCompatibility(pojo().snapshotConfiguration())
                .isCompatibleAsIs()).isTrue();
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, shared.snapshotConfiguration());
        TypeSerializerSnapshot<LabeledSample> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(read.restoreSerializer()).isEqualTo(shared);
        assertThat(shared.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs()).isTrue();
    }
}
