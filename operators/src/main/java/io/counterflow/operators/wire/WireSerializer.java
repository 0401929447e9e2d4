package io.counterflow.operators.wire;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * What the wire serializers share: a mutable record type, a new instance per {@link #duplicate()} (each holds a
 * {@link WireIO} with scratch buffers and name caches), and a versioned snapshot naming the serializer's class and
 * its format version, which rejects other versions with a message.
 */
abstract class WireSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    /** Scratch state; rebuilt after Java deserialization of the serializer. */
    transient WireIO io = new WireIO();

    /** The record format this serializer writes (part of its snapshot). */
    abstract int formatVersion();

    abstract Supplier<? extends WireSerializer<T>> factory();

    final WireIO io() {
        if (io == null) {
            io = new WireIO();
        }
        return io;
    }

    @Override
    public final boolean isImmutableType() {
        return false;
    }

    @Override
    public final TypeSerializer<T> duplicate() {
        return factory().get();
    }

    @Override
    public final T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public final int getLength() {
        return -1;
    }

    @Override
    public final T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public final void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public final int hashCode() {
        return getClass().hashCode();
    }

    @Override
    public final TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(this);
    }

    /** The serializer's class and format version. */
    public static final class Snapshot<T> implements TypeSerializerSnapshot<T> {
        private static final int SNAPSHOT_VERSION = 1;

        private Class<?> serializerClass;
        private int format;

        /** For Flink's reflective instantiation when reading a snapshot. */
        public Snapshot() {}

        Snapshot(WireSerializer<T> s) {
            this.serializerClass = s.getClass();
            this.format = s.formatVersion();
        }

        @Override
        public int getCurrentVersion() {
            return SNAPSHOT_VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeUTF(serializerClass.getName());
            out.writeInt(format);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader cl) throws IOException {
            if (version != SNAPSHOT_VERSION) {
                throw new IOException("wire serializer snapshot version " + version + " is not supported (this"
                        + " build reads " + SNAPSHOT_VERSION + ")");
            }
            String name = in.readUTF();
            try {
                serializerClass = Class.forName(name, false, cl).asSubclass(WireSerializer.class);
            } catch (ClassNotFoundException | ClassCastException e) {
                throw new IOException("wire serializer " + name + " is not known to this build", e);
            }
            format = in.readInt();
        }

        @Override
        @SuppressWarnings("unchecked")
        public TypeSerializer<T> restoreSerializer() {
            try {
                WireSerializer<T> s = (WireSerializer<T>) serializerClass.getDeclaredConstructor().newInstance();
                if (s.formatVersion() != format) {
                    throw new IllegalStateException(serializerClass.getSimpleName() + " format " + format
                            + " is not readable by this build (it reads format " + s.formatVersion() + ")");
                }
                return s;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot instantiate " + serializerClass.getName(), e);
            }
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
                TypeSerializerSnapshot<T> oldSnapshot) {
            if (!(oldSnapshot instanceof Snapshot) || ((Snapshot<T>) oldSnapshot).serializerClass != serializerClass) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            return ((Snapshot<T>) oldSnapshot).format == format ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
