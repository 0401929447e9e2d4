package io.counterflow.connectors.kafka;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;

import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;

import java.time.Duration;

/**
 * Value-only, never-throwing Kafka deserializers for the three event streams (CONTRACT.md). Each parses the
 * record value with {@code EventCodec} and emits {@link Parsed#ok}; a record that breaks the contract (or a
 * {@code null} value) becomes {@link Parsed#bad} with a {@code DeadLetter} holding the topic, partition, offset,
 * reason, detail and the original bytes. Nothing is thrown, so bad input cannot fail or restart the job. Keys
 * and headers are ignored.
 *
 * <p>Records over the size limit ({@link CounterflowKafkaSources#MAX_RECORD_BYTES}) are {@code RECORD_TOO_LARGE}
 * without being parsed; events whose {@code ts} is ahead of the wall clock by more than the allowed skew ({@link
 * CounterflowKafkaSources#MAX_FUTURE_SKEW}) are {@code FUTURE_TIMESTAMP}. The no-argument factories use the
 * settings' defaults.
 */
public final class EventDeserializers {
    private EventDeserializers() {}

    public static KafkaRecordDeserializationSchema<Parsed<Impression>> impressions() {
        return impressions(defaultMaxRecordBytes(), CounterflowKafkaSources.MAX_FUTURE_SKEW.defaultValue());
    }

    public static KafkaRecordDeserializationSchema<Parsed<Click>> clicks() {
        return clicks(defaultMaxRecordBytes(), CounterflowKafkaSources.MAX_FUTURE_SKEW.defaultValue());
    }

    public static KafkaRecordDeserializationSchema<Parsed<Conversion>> conversions() {
        return conversions(defaultMaxRecordBytes(), CounterflowKafkaSources.MAX_FUTURE_SKEW.defaultValue());
    }

    public static KafkaRecordDeserializationSchema<Parsed<Impression>> impressions(int maxRecordBytes,
            Duration maxFutureSkew) {
        return new CodecDeserializationSchema<>(EventType.IMPRESSION, Impression.class, maxRecordBytes,
                maxFutureSkew.toMillis());
    }

    public static KafkaRecordDeserializationSchema<Parsed<Click>> clicks(int maxRecordBytes, Duration maxFutureSkew) {
        return new CodecDeserializationSchema<>(EventType.CLICK, Click.class, maxRecordBytes,
                maxFutureSkew.toMillis());
    }

    public static KafkaRecordDeserializationSchema<Parsed<Conversion>> conversions(int maxRecordBytes,
            Duration maxFutureSkew) {
        return new CodecDeserializationSchema<>(EventType.CONVERSION, Conversion.class, maxRecordBytes,
                maxFutureSkew.toMillis());
    }

    private static int defaultMaxRecordBytes() {
        return (int) CounterflowKafkaSources.MAX_RECORD_BYTES.defaultValue().getBytes();
    }
}
