package io.counterflow.connectors.kafka;

import io.counterflow.model.data.DeadLetter;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.Objects;
import java.util.Properties;

/**
 * A {@link KafkaSink} that writes {@link DeadLetter}s as JSON ({@link DeadLetterJson}) to the dead-letter topic.
 * Records carry no key and no timestamp of their own (the producer stamps them with the time they were written):
 * the event-time timestamps of rejected events may be far in the past and would make the broker's time-based
 * retention delete dead letters early.
 */
public final class DeadLetterSink {
    /** Topic of dead letters. */
    public static final ConfigOption<String> TOPIC = ConfigOptions.key("counterflow.kafka.dead-letter-topic")
            .stringType().defaultValue("counterflow-dead-letters")
            .withDescription("Kafka topic the dead letters of every source and of the label join are written to.");

    /** uid and name of the sink operator made by {@link #sinkTo}. */
    public static final String NAME = "dead-letter-sink";

    private DeadLetterSink() {}

    /** An at-least-once sink to {@code topic}. */
    public static KafkaSink<DeadLetter> kafka(String bootstrapServers, String topic) {
        return kafka(bootstrapServers, topic, DeliveryGuarantee.AT_LEAST_ONCE, new Properties());
    }

    /**
     * A sink to {@code topic} with the given guarantee and extra producer properties. For {@code EXACTLY_ONCE}
     * (needs checkpointing) the transactional-id prefix is derived from the topic.
     */
    public static KafkaSink<DeadLetter> kafka(String bootstrapServers, String topic, DeliveryGuarantee guarantee,
            Properties producerProperties) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must be set for the dead-letter sink");
        }
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException(TOPIC.key() + " must be a non-empty topic name");
        }
        return KafkaSink.<DeadLetter>builder().setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new Serializer(topic)).setDeliveryGuarantee(Objects.requireNonNull(guarantee))
                .setTransactionalIdPrefix("counterflow-dead-letters-" + topic)
                .setKafkaProducerConfig(producerProperties).build();
    }

    /** {@code deadLetters.sinkTo(sink)} with uid and name {@value #NAME}. */
    public static DataStreamSink<DeadLetter> sinkTo(DataStream<DeadLetter> deadLetters, Sink<DeadLetter> sink) {
        return deadLetters.sinkTo(sink).uid(NAME).name(NAME);
    }

    static final class Serializer implements KafkaRecordSerializationSchema<DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, null, null, DeadLetterJson.toUtf8(d));
        }
    }
}
