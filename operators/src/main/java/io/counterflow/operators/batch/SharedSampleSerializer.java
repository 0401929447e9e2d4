package io.counterflow.operators.batch;

import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Objects;

/**
 * The batcher's buffer serializer: the samples' own (POJO) serializer, same bytes, except that {@link #copy}
 * returns the sample itself. Buffered samples are never mutated (see {@link MiniBatcher}), so the synchronous
 * copy of the buffer that Flink's operator state takes at every checkpoint only needs to copy the list, not the
 * samples (a deep copy of a 32k-sample mixing buffer took a third of the batcher's thread in the streaming
 * benchmark; docs/performance.md). State written with the plain POJO serializer (the batcher's state before this
 * class) restores as is: the bytes are the same.
 */
final class SharedSampleSerializer extends TypeSerializer<LabeledSample> {
    private static final long serialVersionUID = 1L;

    private final TypeSerializer<LabeledSample> samples;

    SharedSampleSerializer(TypeSerializer<LabeledSample> samples) {
        this.samples = Objects.requireNonNull(samples, "samples");
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<LabeledSample> duplicate() {
        TypeSerializer<LabeledSample> d = samples.duplicate();
        return d == samples ? this : new SharedSampleSerializer(d);
    }

    @Override
    public LabeledSample createInstance() {
        return samples.createInstance();
    }

    /** The sample itself: buffered samples are immutable. */
    @Override
    public LabeledSample copy(LabeledSample from) {
        return from;
    }

    @Override
    public LabeledSample copy(LabeledSample from, LabeledSample reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return samples.getLength();
    }

    @Override
    public void serialize(LabeledSample record, DataOutputView target) throws IOException {
        samples.serialize(record, target);
    }

    @Override
    public LabeledSample deserialize(DataInputView source) throws IOException {
        return samples.deserialize(source);
    }

    @Override
    public LabeledSample deserialize(LabeledSample reuse, DataInputView source) throws IOException {
        return samples.deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        samples.copy(source, target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SharedSampleSerializer && ((SharedSampleSerializer) o).samples.equals(samples);
    }

    @Override
    public int hashCode() {
        return samples.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<LabeledSample> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /** Outer version {@value #VERSION} (no outer configuration) and the sample serializer's snapshot. */
    public static final class Snapshot extends CompositeTypeSerializerSnapshot<LabeledSample, SharedSampleSerializer> {
        static final int VERSION = 1;

        /** For reading. */
        public Snapshot() {}

        Snapshot(SharedSampleSerializer s) {
            super(s);
        }

        /**
         * A snapshot of this class resolves through the nested one; any other is the samples' own serializer of an
         * older state (same bytes), resolved by the nested serializer's snapshot.
         */
        @Override
        @SuppressWarnings("unchecked")
        public TypeSerializerSchemaCompatibility<LabeledSample> resolveSchemaCompatibility(
                TypeSerializerSnapshot<LabeledSample> old) {
            if (old instanceof Snapshot) {
                return super.resolveSchemaCompatibility(old);
            }
            TypeSerializerSnapshot<LabeledSample> current =
                    (TypeSerializerSnapshot<LabeledSample>) getNestedSerializerSnapshots()[0];
            TypeSerializerSchemaCompatibility<LabeledSample> c = current.resolveSchemaCompatibility(old);
            if (c.isCompatibleAsIs()) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            if (c.isCompatibleAfterMigration()) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            if (c.isCompatibleWithReconfiguredSerializer()) {
                return TypeSerializerSchemaCompatibility.compatibleWithReconfiguredSerializer(
                        new SharedSampleSerializer(c.getReconfiguredSerializer()));
            }
            return TypeSerializerSchemaCompatibility.incompatible();
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return VERSION;
        }

        @Override
        protected void readOuterSnapshot(int version, DataInputView in, ClassLoader cl) throws IOException {
            if (version != VERSION) {
                throw new IOException("batcher buffer serializer snapshot version " + version + " is not supported"
                        + " (this build reads " + VERSION + ")");
            }
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(SharedSampleSerializer s) {
            return new TypeSerializer<?>[] {s.samples};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected SharedSampleSerializer createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
            return new SharedSampleSerializer((TypeSerializer<LabeledSample>) nested[0]);
        }
    }
}
