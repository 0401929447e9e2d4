package io.counterflow.connectors.kafka;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;

import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;

/**
 * Value-only, never-throwing Kafka deserializers for the three event streams (CONTRACT.md). Each parses the
 * record value with {@code EventCodec} and emits {@link Parsed#ok}; a record that breaks the contract (or a
 * {@code null} value) becomes {@link Parsed#bad} with a {@code DeadLetter} holding the topic, partition, offset,
 * reason, detail and the original bytes. Nothing is thrown, so bad input cannot fail or restart the job. Keys
 * and headers are ignored.
 */
public final class EventDeserializers {
    private EventDeserializers() {}

    public static KafkaRecordDeserializationSchema<Parsed<Impression>> impressions() {
        return new CodecDeserializationSchema<>(EventType.IMPRESSION, Impression.class);
    }

    public static KafkaRecordDeserializationSchema<Parsed<Click>> clicks() {
        return new CodecDeserializationSchema<>(EventType.CLICK, Click.class);
    }

    public static KafkaRecordDeserializationSchema<Parsed<Conversion>> conversions() {
        return new CodecDeserializationSchema<>(EventType.CONVERSION, Conversion.class);
    }
}
