package io.counterflow.connectors.kafka;

import io.counterflow.model.data.DeadLetter;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Map;
import java.util.Objects;

/**
 * What a never-throwing deserializer produces from one Kafka record: either the parsed {@link #value} or a
 * {@link #deadLetter} (never both, never neither). A Kafka source has a single output type, so the two outcomes
 * travel together until {@link DeadLetterSplitter} separates them into a main output and a side output.
 *
 * <p>A Flink POJO; its type information must be built with {@link #typeInfo(Class)}, which names the erased
 * {@code value} field's type explicitly so that Kryo is never used.
 *
 * @param <T> the event type ({@code Impression}, {@code Click}, {@code Conversion})
 */
public final class Parsed<T> {
    /** The event; {@code null} for a dead letter. */
    public T value;
    /** Why the record was rejected, with its original bytes; {@code null} for a parsed event. */
    public DeadLetter deadLetter;

    /** For Flink's POJO serializer; use {@link #ok} or {@link #bad}. */
    public Parsed() {}

    public static <T> Parsed<T> ok(T value) {
        Parsed<T> p = new Parsed<>();
        p.value = Objects.requireNonNull(value, "value");
        return p;
    }

    public static <T> Parsed<T> bad(DeadLetter deadLetter) {
        Parsed<T> p = new Parsed<>();
        p.deadLetter = Objects.requireNonNull(deadLetter, "deadLetter");
        return p;
    }

    public boolean isOk() {
        return value != null;
    }

    /** POJO type information of {@code Parsed<T>}, with {@code value} typed as {@code valueClass} (a POJO). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> TypeInformation<Parsed<T>> typeInfo(Class<T> valueClass) {
        return (TypeInformation) Types.POJO(Parsed.class, Map.of("value", Types.POJO(valueClass),
                "deadLetter", Types.POJO(DeadLetter.class)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parsed && Objects.equals(((Parsed<?>) o).value, value)
                && Objects.equals(((Parsed<?>) o).deadLetter, deadLetter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, deadLetter);
    }

    @Override
    public String toString() {
        return isOk() ? "Parsed{" + value + "}" : "Parsed{" + deadLetter + "}";
    }
}
