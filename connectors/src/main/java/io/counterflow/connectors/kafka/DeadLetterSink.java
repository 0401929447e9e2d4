package io.counterflow.connectors.kafka;

import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.settings.Setting;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * A {@link KafkaSink} that writes {@link DeadLetter}s as JSON ({@link DeadLetterJson}, format {@value
 * DeadLetterJson#FORMAT}) to the dead-letter topic. Records carry no key and no timestamp of their own (the
 * producer stamps them with the time they were written): the event-time timestamps of rejected events may be far
 * in the past and would make the broker's time-based retention delete dead letters early.
 *
 * <p><b>Delivery guarantee.</b> {@link #fromConfig} decides it from {@link #GUARANTEE}: {@code exactly-once} writes
 * in Kafka transactions committed with each checkpoint (readers use {@code isolation.level=read_committed}; they
 * see a dead letter once the checkpoint after it completed), {@code at-least-once} flushes at each checkpoint, and
 * {@code auto} (the default) is exactly-once when the same configuration enables checkpointing ({@code
 * execution.checkpointing.interval} set) in {@code EXACTLY_ONCE} mode ({@code execution.checkpointing.mode}, whose
 * default it is), else at-least-once. The transactional ids start with {@link #TRANSACTIONAL_ID_PREFIX}, by default
 * {@code <group-id>-dead-letters}: unique per job as the consumer group is. Two jobs with the same prefix on one
 * Kafka cluster would abort each other's transactions.
 */
public final class DeadLetterSink {
    /** Topic of dead letters. */
    public static final Setting<String> TOPIC = Setting.of(
            ConfigOptions.key("counterflow.kafka.dead-letter-topic").stringType()
                    .defaultValue("counterflow-dead-letters")
                    .withDescription("Kafka topic the dead letters of every source and of the label join are"
                            + " written to."),
            "a non-empty topic name", s -> s != null && !s.isBlank());

    /** {@code auto}, {@code exactly-once} or {@code at-least-once}; see the class documentation. */
    public static final Setting<String> GUARANTEE = Setting.of(
            ConfigOptions.key("counterflow.kafka.dead-letter-guarantee").stringType().defaultValue("auto")
                    .withDescription("Delivery guarantee of the dead-letter sink: exactly-once (Kafka transactions"
                            + " committed with each checkpoint; read the topic with isolation.level="
                            + "read_committed), at-least-once, or auto: exactly-once when"
                            + " execution.checkpointing.interval is set and execution.checkpointing.mode is"
                            + " EXACTLY_ONCE, else at-least-once."),
            "one of auto, exactly-once, at-least-once",
            s -> s.equals("auto") || s.equals("exactly-once") || s.equals("at-least-once"));

    /** Prefix of the exactly-once sink's transactional ids; empty: {@code <group-id>-dead-letters}. */
    public static final Setting<String> TRANSACTIONAL_ID_PREFIX = Setting.of(
            ConfigOptions.key("counterflow.kafka.dead-letter-transactional-id-prefix").stringType().defaultValue("")
                    .withDescription("Prefix of the exactly-once dead-letter sink's Kafka transactional ids; must be"
                            + " unique per job on a Kafka cluster and stable across restarts of the job (empty:"
                            + " <counterflow.kafka.group-id>-dead-letters)."),
            "a string of at most 200 characters", s -> s != null && s.length() <= 200);

    /**
     * Kafka {@code transaction.timeout.ms} of the exactly-once sink. A transaction stays open from one checkpoint
     * to the completion of the next, so it must be longer than the checkpoint interval; the broker rejects values
     * above its {@code transaction.max.timeout.ms} (15 minutes by default, which is why this is the default).
     */
    public static final Setting<Duration> TRANSACTION_TIMEOUT = Setting.of(
            ConfigOptions.key("counterflow.kafka.dead-letter-transaction-timeout").durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription("transaction.timeout.ms of the exactly-once dead-letter sink: longer than the"
                            + " checkpoint interval, at most the broker's transaction.max.timeout.ms (default 15"
                            + " min)."),
            "positive", d -> !d.isNegative() && !d.isZero());

    /** Every setting declared by this class (bootstrap servers: {@link CounterflowKafkaSources#BOOTSTRAP_SERVERS}). */
    public static final List<Setting<?>> SETTINGS = List.of(TOPIC, GUARANTEE, TRANSACTIONAL_ID_PREFIX,
            TRANSACTION_TIMEOUT);

    /** uid and name of the sink operator made by {@link #sinkTo}. */
    public static final String NAME = "dead-letter-sink";

    private DeadLetterSink() {}

    /** An at-least-once sink to {@code topic}. */
    public static KafkaSink<DeadLetter> kafka(String bootstrapServers, String topic) {
        return kafka(bootstrapServers, topic, DeliveryGuarantee.AT_LEAST_ONCE, new Properties());
    }

    /**
     * A sink to {@code topic} with the given guarantee and extra producer properties. For {@code EXACTLY_ONCE}
     * (needs checkpointing) the transactional-id prefix is derived from the topic and the transaction timeout is
     * {@link #TRANSACTION_TIMEOUT}'s default unless {@code producerProperties} set {@code transaction.timeout.ms}.
     */
    public static KafkaSink<DeadLetter> kafka(String bootstrapServers, String topic, DeliveryGuarantee guarantee,
            Properties producerProperties) {
        return new Options(bootstrapServers, topic, guarantee, "counterflow-dead-letters-" + topic,
                TRANSACTION_TIMEOUT.defaultValue(), producerProperties).toSink();
    }

    /**
     * The sink with every setting read from {@code config} and validated: bootstrap servers ({@link
     * CounterflowKafkaSources#BOOTSTRAP_SERVERS}), {@link #TOPIC}, the guarantee ({@link #guarantee}), the
     * transactional-id prefix and timeout.
     */
    public static KafkaSink<DeadLetter> fromConfig(ReadableConfig config) {
        return options(config).toSink();
    }

    /** What {@link #fromConfig} builds, read and validated; for inspection and tests. */
    public static Options options(ReadableConfig config) {
        DeliveryGuarantee guarantee = guarantee(config);
        String prefix = TRANSACTIONAL_ID_PREFIX.read(config);
        if (prefix.isBlank()) {
            prefix = CounterflowKafkaSources.GROUP_ID.read(config) + "-dead-letters";
        }
        Duration timeout = TRANSACTION_TIMEOUT.read(config);
        Optional<Duration> interval = config.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE && interval.isPresent()
                && timeout.compareTo(interval.get()) <= 0) {
            throw new IllegalArgumentException(TRANSACTION_TIMEOUT.key() + " must be longer than "
                    + CheckpointingOptions.CHECKPOINTING_INTERVAL.key() + " (got " + timeout + " <= "
                    + interval.get() + ")");
        }
        return new Options(config.get(CounterflowKafkaSources.BOOTSTRAP_SERVERS.option()), TOPIC.read(config),
                guarantee, prefix, timeout, new Properties());
    }

    /**
     * The delivery guarantee {@link #GUARANTEE} asks for; {@code auto} reads {@code
     * execution.checkpointing.interval} and {@code execution.checkpointing.mode} from the same configuration.
     */
    public static DeliveryGuarantee guarantee(ReadableConfig config) {
        switch (GUARANTEE.read(config)) {
            case "exactly-once":
                return DeliveryGuarantee.EXACTLY_ONCE;
            case "at-least-once":
                return DeliveryGuarantee.AT_LEAST_ONCE;
            default:
                Optional<Duration> interval = config.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL);
                boolean checkpointing = interval.isPresent() && !interval.get().isZero()
                        && !interval.get().isNegative();
                return checkpointing && config.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE)
                        == CheckpointingMode.EXACTLY_ONCE ? DeliveryGuarantee.EXACTLY_ONCE
                        : DeliveryGuarantee.AT_LEAST_ONCE;
        }
    }

    /** {@code deadLetters.sinkTo(sink)} with uid and name {@value #NAME}. */
    public static DataStreamSink<DeadLetter> sinkTo(DataStream<DeadLetter> deadLetters, Sink<DeadLetter> sink) {
        return deadLetters.sinkTo(sink).uid(NAME).name(NAME);
    }

    /** The resolved, validated settings of one dead-letter sink. */
    public static final class Options {
        public final String bootstrapServers;
        public final String topic;
        public final DeliveryGuarantee guarantee;
        /** Used only by {@code EXACTLY_ONCE}. */
        public final String transactionalIdPrefix;
        /** Used only by {@code EXACTLY_ONCE}. */
        public final Duration transactionTimeout;
        private final Properties producerProperties;

        Options(String bootstrapServers, String topic, DeliveryGuarantee guarantee, String transactionalIdPrefix,
                Duration transactionTimeout, Properties producerProperties) {
            this.bootstrapServers = CounterflowKafkaSources.requireBootstrapServers(bootstrapServers);
            this.topic = TOPIC.check(topic);
            this.guarantee = Objects.requireNonNull(guarantee, "guarantee");
            this.transactionalIdPrefix = TRANSACTIONAL_ID_PREFIX.check(transactionalIdPrefix);
            this.transactionTimeout = TRANSACTION_TIMEOUT.check(transactionTimeout);
            this.producerProperties = new Properties();
            this.producerProperties.putAll(producerProperties);
        }

        public KafkaSink<DeadLetter> toSink() {
            Properties props = new Properties();
            props.putAll(producerProperties);
            if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
                // KafkaSink's own default (1 h) is above the broker's default transaction.max.timeout.ms (15 min):
                // the producer would fail to start on a default broker.
                props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        String.valueOf(transactionTimeout.toMillis()));
            }
            return KafkaSink.<DeadLetter>builder().setBootstrapServers(bootstrapServers)
                    .setRecordSerializer(new Serializer(topic)).setDeliveryGuarantee(guarantee)
                    .setTransactionalIdPrefix(transactionalIdPrefix).setKafkaProducerConfig(props).build();
        }

        @Override
        public String toString() {
            return "DeadLetterSink.Options{topic=" + topic + ", guarantee=" + guarantee + ", transactionalIdPrefix="
                    + transactionalIdPrefix + ", transactionTimeout=" + transactionTimeout + "}";
        }
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
