package io.counterflow.operators.wire;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;


/**
 * Type information of a record type with a hand-written serializer (the records between operators): a single
 * field as far as Flink's type system goes, never a POJO or a generic (Kryo) type.
 */
public final class WireTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final SerializerFactory<T> factory;

    /** Creates the serializer; it may use the job's serializer configuration (e.g. for a nested POJO). */
    public interface SerializerFactory<T> extends java.io.Serializable {
        TypeSerializer<T> create(SerializerConfig config);
    }

    public WireTypeInfo(Class<T> type, SerializerFactory<T> factory) {
        this.type = type;
        this.factory = factory;
    }

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
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return factory.create(config);
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<T> createSerializer(ExecutionConfig config) {
        return createSerializer(config.getSerializerConfig());
    }

    @Override
    public String toString() {
        return type.getSimpleName() + "(wire)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireTypeInfo && ((WireTypeInfo<?>) o).type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof WireTypeInfo;
    }
}
