package io.counterflow.connectors.kafka;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Impression;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * Builds the three Kafka sources (impressions, clicks, conversions) with never-throwing deserialization
 * ({@link EventDeserializers}) and per-source watermarks: event time from the event's {@code ts}, bounded
 * out-of-orderness, idleness. {@link #addTo} wires sources → {@link DeadLetterSplitter} and returns the three
 * event streams plus the union of their dead letters.
 *
 * <p>Settings are declared once below (key, default, description) and validated in {@link Builder#build()},
 * with messages that name the key.
 */
public final class CounterflowKafkaSources {
    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("counterflow.kafka.bootstrap-servers")
            .stringType().noDefaultValue().withDescription("Kafka bootstrap servers (required).");
    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("counterflow.kafka.group-id").stringType()
            .defaultValue("counterflow").withDescription("Consumer group id of the three sources.");
    public static final ConfigOption<String> IMPRESSIONS_TOPIC = ConfigOptions.key("counterflow.kafka.impressions-topic")
            .stringType().defaultValue("impressions").withDescription("Topic of impression events.");
    public static final ConfigOption<String> CLICKS_TOPIC = ConfigOptions.key("counterflow.kafka.clicks-topic")
            .stringType().defaultValue("clicks").withDescription("Topic of click events.");
    public static final ConfigOption<String> CONVERSIONS_TOPIC = ConfigOptions.key("counterflow.kafka.conversions-topic")
            .stringType().defaultValue("conversions").withDescription("Topic of conversion events.");
    public static final ConfigOption<Duration> OUT_OF_ORDERNESS = ConfigOptions
            .key("counterflow.kafka.watermark-out-of-orderness").durationType().defaultValue(Duration.ofMinutes(10))
            .withDescription("Bound of each source's event-time disorder: watermark = max ts seen - bound - 1 ms."
                    + " Keep counterflow.join.allowed-lateness equal to it.");
    public static final ConfigOption<Duration> IDLENESS = ConfigOptions.key("counterflow.kafka.watermark-idleness")
            .durationType().defaultValue(Duration.ofMinutes(1))
            .withDescription("A source split without records for this long is marked idle, so that a quiet topic"
                    + " or partition cannot stall the join's watermark.");

    private final String bootstrapServers;
    private final String groupId;
    private final String impressionsTopic;
    private final String clicksTopic;
    private final String conversionsTopic;
    private final Duration outOfOrderness;
    private final Duration idleness;
    private final OffsetsInitializer startingOffsets;
    private final OffsetsInitializer stoppingOffsets;
    private final Properties properties;

    private CounterflowKafkaSources(Builder b) {
        this.bootstrapServers = nonBlank(BOOTSTRAP_SERVERS, b.bootstrapServers);
        this.groupId = nonBlank(GROUP_ID, b.groupId);
        this.impressionsTopic = nonBlank(IMPRESSIONS_TOPIC, b.impressionsTopic);
        this.clicksTopic = nonBlank(CLICKS_TOPIC, b.clicksTopic);
        this.conversionsTopic = nonBlank(CONVERSIONS_TOPIC, b.conversionsTopic);
        if (impressionsTopic.equals(clicksTopic) || impressionsTopic.equals(conversionsTopic)
                || clicksTopic.equals(conversionsTopic)) {
            throw new IllegalArgumentException(IMPRESSIONS_TOPIC.key() + ", " + CLICKS_TOPIC.key() + " and "
                    + CONVERSIONS_TOPIC.key() + " must be three different topics");
        }
        this.outOfOrderness = nonNegative(OUT_OF_ORDERNESS, b.outOfOrderness);
        this.idleness = positive(IDLENESS, b.idleness);
        this.startingOffsets = Objects.requireNonNull(b.startingOffsets, "startingOffsets");
        this.stoppingOffsets = b.stoppingOffsets;
        this.properties = new Properties();
        this.properties.putAll(b.properties);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder with every setting read from {@code config} (defaults where absent). */
    public static Builder builder(ReadableConfig config) {
        Builder b = new Builder().groupId(config.get(GROUP_ID)).impressionsTopic(config.get(IMPRESSIONS_TOPIC))
                .clicksTopic(config.get(CLICKS_TOPIC)).conversionsTopic(config.get(CONVERSIONS_TOPIC))
                .outOfOrderness(config.get(OUT_OF_ORDERNESS)).idleness(config.get(IDLENESS));
        config.getOptional(BOOTSTRAP_SERVERS).ifPresent(b::bootstrapServers);
        return b;
    }

    public KafkaSource<Parsed<Impression>> impressionSource() {
        return source(impressionsTopic, EventDeserializers.impressions());
    }

    public KafkaSource<Parsed<Click>> clickSource() {
        return source(clicksTopic, EventDeserializers.clicks());
    }

    public KafkaSource<Parsed<Conversion>> conversionSource() {
        return source(conversionsTopic, EventDeserializers.conversions());
    }

    /** The watermark strategy of the source of {@code type} (dead letters never advance it). */
    public <T> WatermarkStrategy<Parsed<T>> watermarkStrategy(EventType type) {
        return ParsedWatermarks.strategy(type, outOfOrderness, idleness);
    }

    private <T> KafkaSource<Parsed<T>> source(String topic, KafkaRecordDeserializationSchema<Parsed<T>> schema) {
        KafkaSourceBuilder<Parsed<T>> b = KafkaSource.<Parsed<T>>builder().setBootstrapServers(bootstrapServers)
                .setGroupId(groupId).setTopics(topic).setStartingOffsets(startingOffsets).setDeserializer(schema)
                .setProperties(properties);
        if (stoppingOffsets != null) {
            b.setBounded(stoppingOffsets);
        }
        return b.build();
    }

    /**
     * Adds the three sources and their splitters to {@code env} (uids {@code <topic kind>-source} and {@code
     * <topic kind>-split}); returns the event streams, timestamped and watermarked, and the union of the three
     * sources' dead letters.
     */
    public Streams addTo(StreamExecutionEnvironment env) {
        SingleOutputStreamOperator<Impression> impressions = split(env.fromSource(impressionSource(),
                this.<Impression>watermarkStrategy(EventType.IMPRESSION), "impressions-source")
                .uid("impressions-source"), "impressions", Impression.class);
        SingleOutputStreamOperator<Click> clicks = split(env.fromSource(clickSource(),
                this.<Click>watermarkStrategy(EventType.CLICK), "clicks-source").uid("clicks-source"), "clicks",
                Click.class);
        SingleOutputStreamOperator<Conversion> conversions = split(env.fromSource(conversionSource(),
                this.<Conversion>watermarkStrategy(EventType.CONVERSION), "conversions-source")
                .uid("conversions-source"), "conversions", Conversion.class);
        DataStream<DeadLetter> deadLetters = impressions.getSideOutput(DeadLetterSplitter.DEAD_LETTERS)
                .union(clicks.getSideOutput(DeadLetterSplitter.DEAD_LETTERS),
                        conversions.getSideOutput(DeadLetterSplitter.DEAD_LETTERS));
        return new Streams(impressions, clicks, conversions, deadLetters);
    }

    private static <T> SingleOutputStreamOperator<T> split(DataStream<Parsed<T>> parsed, String kind, Class<T> type) {
        return parsed.process(new DeadLetterSplitter<T>(), Types.POJO(type)).uid(kind + "-split")
                .name(kind + "-split");
    }

    /** The three event streams and the union of their dead letters. */
    public static final class Streams {
        public final DataStream<Impression> impressions;
        public final DataStream<Click> clicks;
        public final DataStream<Conversion> conversions;
        public final DataStream<DeadLetter> deadLetters;

        public Streams(DataStream<Impression> impressions, DataStream<Click> clicks, DataStream<Conversion> conversions,
                DataStream<DeadLetter> deadLetters) {
            this.impressions = impressions;
            this.clicks = clicks;
            this.conversions = conversions;
            this.deadLetters = deadLetters;
        }
    }

    /** Builder; topics, group id and watermark settings start at their defaults. */
    public static final class Builder {
        private String bootstrapServers;
        private String groupId = GROUP_ID.defaultValue();
        private String impressionsTopic = IMPRESSIONS_TOPIC.defaultValue();
        private String clicksTopic = CLICKS_TOPIC.defaultValue();
        private String conversionsTopic = CONVERSIONS_TOPIC.defaultValue();
        private Duration outOfOrderness = OUT_OF_ORDERNESS.defaultValue();
        private Duration idleness = IDLENESS.defaultValue();
        private OffsetsInitializer startingOffsets = OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        private OffsetsInitializer stoppingOffsets;
        private final Properties properties = new Properties();

        private Builder() {}

        public Builder bootstrapServers(String s) {
            this.bootstrapServers = s;
            return this;
        }

        public Builder groupId(String s) {
            this.groupId = s;
            return this;
        }

        public Builder impressionsTopic(String s) {
            this.impressionsTopic = s;
            return this;
        }

        public Builder clicksTopic(String s) {
            this.clicksTopic = s;
            return this;
        }

        public Builder conversionsTopic(String s) {
            this.conversionsTopic = s;
            return this;
        }

        public Builder outOfOrderness(Duration d) {
            this.outOfOrderness = d;
            return this;
        }

        public Builder idleness(Duration d) {
            this.idleness = d;
            return this;
        }

        /** Default: committed offsets, else earliest. */
        public Builder startingOffsets(OffsetsInitializer o) {
            this.startingOffsets = o;
            return this;
        }

        /** Makes the sources bounded: they stop at {@code o} (e.g. {@code OffsetsInitializer.latest()}). */
        public Builder bounded(OffsetsInitializer o) {
            this.stoppingOffsets = o;
            return this;
        }

        /** An extra Kafka consumer property (or a KafkaSourceOptions key). */
        public Builder property(String key, String value) {
            this.properties.setProperty(key, value);
            return this;
        }

        public CounterflowKafkaSources build() {
            return new CounterflowKafkaSources(this);
        }
    }

    private static String nonBlank(ConfigOption<String> option, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(option.key() + " must be set to a non-empty value");
        }
        return value;
    }

    private static Duration nonNegative(ConfigOption<Duration> option, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(option.key() + " must be zero or positive (got " + d + ")");
        }
        return d;
    }

    private static Duration positive(ConfigOption<Duration> option, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(option.key() + " must be positive (got " + d + ")");
        }
        return d;
    }
}
