package io.counterflow.operators.wire;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.util.function.Supplier;

/** Type information whose serializer is a wire serializer (the records between operators). */
final class WireTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final SerializableFactory<T> factory;

    interface SerializableFactory<T> extends Supplier<TypeSerializer<T>>, java.io.Serializable {}

    WireTypeInfo(Class<T> type, SerializableFactory<T> factory) {
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
        return factory.get();
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<T> createSerializer(ExecutionConfig config) {
        return factory.get();
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
