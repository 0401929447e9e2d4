package io.counterflow.connectors.kafka;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Impression;
import io.counterflow.model.settings.Setting;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
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
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * Builds the three Kafka sources (impressions, clicks, conversions) with never-throwing deserialization
 * ({@link EventDeserializers}) and per-source watermarks: event time from the event's {@code ts}, bounded
 * out-of-orderness, idleness. {@link #addTo} wires sources → {@link DeadLetterSplitter} and returns the three
 * event streams plus the union of their dead letters.
 *
 * <p>Every setting is declared once below as a {@link Setting} (key, default, description, validation; all of
 * them in {@link #SETTINGS}) and validated when the sources are built, with messages that name the key. Build with
 * {@link #builder()} or read everything from a Flink configuration with {@link #fromConfig(ReadableConfig)}.
 */
public final class CounterflowKafkaSources {
    /** Kafka bootstrap servers; required (the empty default means "not set" and is rejected when building). */
    public static final Setting<String> BOOTSTRAP_SERVERS = Setting.required(
            ConfigOptions.key("counterflow.kafka.bootstrap-servers").stringType().defaultValue("")
                    .withDescription("Kafka bootstrap servers, host:port[,host:port...] (required)."),
            "a host:port list", s -> !s.isBlank());
    public static final Setting<String> GROUP_ID = Setting.of(
            ConfigOptions.key("counterflow.kafka.group-id").stringType().defaultValue("counterflow")
                    .withDescription("Consumer group id of the three sources; one per job (the dead-letter"
                            + " sink's transactional ids derive from it by default)."),
            "a non-empty string", CounterflowKafkaSources::nonBlank);
    public static final Setting<String> IMPRESSIONS_TOPIC = Setting.of(
            ConfigOptions.key("counterflow.kafka.impressions-topic").stringType().defaultValue("impressions")
                    .withDescription("Topic of impression events."),
            "a non-empty topic name", CounterflowKafkaSources::nonBlank);
    public static final Setting<String> CLICKS_TOPIC = Setting.of(
            ConfigOptions.key("counterflow.kafka.clicks-topic").stringType().defaultValue("clicks")
                    .withDescription("Topic of click events."),
            "a non-empty topic name", CounterflowKafkaSources::nonBlank);
    public static final Setting<String> CONVERSIONS_TOPIC = Setting.of(
            ConfigOptions.key("counterflow.kafka.conversions-topic").stringType().defaultValue("conversions")
                    .withDescription("Topic of conversion events."),
            "a non-empty topic name", CounterflowKafkaSources::nonBlank);
    public static final Setting<Duration> OUT_OF_ORDERNESS = Setting.of(
            ConfigOptions.key("counterflow.kafka.watermark-out-of-orderness").durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription("Bound of each source's event-time disorder: watermark = max ts seen - bound"
                            + " - 1 ms. Keep counterflow.join.allowed-lateness equal to it."),
            "zero or positive", d -> !d.isNegative());
    public static final Setting<Duration> IDLENESS = Setting.of(
            ConfigOptions.key("counterflow.kafka.watermark-idleness").durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription("A source split without records for this long is marked idle, so that a"
                            + " quiet topic or partition cannot stall the join's watermark."),
            "positive", d -> !d.isNegative() && !d.isZero());
    /**
     * How far ahead of the source's wall clock an event's {@code ts} may be. Default 5 minutes: below the default
     * watermark bound (10 minutes), so an accepted event can never move the watermark past the wall clock.
     */
    public static final Setting<Duration> MAX_FUTURE_SKEW = Setting.of(
            ConfigOptions.key("counterflow.kafka.max-future-skew").durationType().defaultValue(Duration.ofMinutes(5))
                    .withDescription("An event whose ts is more than this ahead of the source's processing-time"
                            + " clock is a FUTURE_TIMESTAMP dead letter and never reaches the watermark. Keep it"
                            + " at most counterflow.kafka.watermark-out-of-orderness, so that no accepted event"
                            + " moves the watermark past the wall clock."),
            "positive and at most P36500D", d -> !d.isNegative() && !d.isZero()
                    && d.compareTo(Duration.ofDays(36_500)) <= 0);
    /** Largest record the sources parse; Kafka's default {@code max.message.bytes} is about 1 MiB. */
    public static final Setting<MemorySize> MAX_RECORD_BYTES = Setting.of(
            ConfigOptions.key("counterflow.kafka.max-record-bytes").memoryType()
                    .defaultValue(MemorySize.parse("1mb"))
                    .withDescription("A record value larger than this is a RECORD_TOO_LARGE dead letter and is not"
                            + " parsed (its dead letter keeps the first bytes, the length and a hash)."),
            "between 1kb and 1gb", m -> m.getBytes() >= 1024 && m.getBytes() <= (1L << 30));

    /** Every setting declared by this class. */
    public static final List<Setting<?>> SETTINGS = List.of(BOOTSTRAP_SERVERS, GROUP_ID, IMPRESSIONS_TOPIC,
            CLICKS_TOPIC, CONVERSIONS_TOPIC, OUT_OF_ORDERNESS, IDLENESS, MAX_FUTURE_SKEW, MAX_RECORD_BYTES);

    private final String bootstrapServers;
    private final String groupId;
    private final String impressionsTopic;
    private final String clicksTopic;
    private final String conversionsTopic;
    private final Duration outOfOrderness;
    private final Duration idleness;
    private final Duration maxFutureSkew;
    private final int maxRecordBytes;
    private final OffsetsInitializer startingOffsets;
    private final OffsetsInitializer stoppingOffsets;
    private final Properties properties;

    private CounterflowKafkaSources(Builder b) {
        this.bootstrapServers = requireBootstrapServers(b.bootstrapServers);
        this.groupId = GROUP_ID.check(b.groupId);
        this.impressionsTopic = IMPRESSIONS_TOPIC.check(b.impressionsTopic);
        this.clicksTopic = CLICKS_TOPIC.check(b.clicksTopic);
        this.conversionsTopic = CONVERSIONS_TOPIC.check(b.conversionsTopic);
        if (impressionsTopic.equals(clicksTopic) || impressionsTopic.equals(conversionsTopic)
                || clicksTopic.equals(conversionsTopic)) {
            throw new IllegalArgumentException(IMPRESSIONS_TOPIC.key() + ", " + CLICKS_TOPIC.key() + " and "
                    + CONVERSIONS_TOPIC.key() + " must be three different topics");
        }
        this.outOfOrderness = OUT_OF_ORDERNESS.check(b.outOfOrderness);
        this.idleness = IDLENESS.check(b.idleness);
        this.maxFutureSkew = MAX_FUTURE_SKEW.check(b.maxFutureSkew);
        this.maxRecordBytes = (int) MAX_RECORD_BYTES.check(b.maxRecordBytes).getBytes();
        this.startingOffsets = Objects.requireNonNull(b.startingOffsets, "startingOffsets");
        this.stoppingOffsets = b.stoppingOffsets;
        this.properties = new Properties();
        this.properties.putAll(b.properties);
    }

    /** {@code s} is set: the bootstrap servers have no usable default, so an empty value is an error. */
    static String requireBootstrapServers(String s) {
        return BOOTSTRAP_SERVERS.check(s == null ? "" : s.trim().isEmpty() ? "" : s);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder with every setting read from {@code config} (defaults where absent); validated by build(). */
    public static Builder builder(ReadableConfig config) {
        return new Builder().bootstrapServers(config.get(BOOTSTRAP_SERVERS.option()))
                .groupId(config.get(GROUP_ID.option())).impressionsTopic(config.get(IMPRESSIONS_TOPIC.option()))
                .clicksTopic(config.get(CLICKS_TOPIC.option())).conversionsTopic(config.get(CONVERSIONS_TOPIC.option()))
                .outOfOrderness(config.get(OUT_OF_ORDERNESS.option())).idleness(config.get(IDLENESS.option()))
                .maxFutureSkew(config.get(MAX_FUTURE_SKEW.option()))
                .maxRecordBytes(config.get(MAX_RECORD_BYTES.option()));
    }

    /**
     * The sources with every setting read from {@code config} and validated (starting offsets: committed, else
     * earliest; unbounded). Throws {@link IllegalArgumentException} naming the key of the first invalid setting.
     */
    public static CounterflowKafkaSources fromConfig(ReadableConfig config) {
        return builder(config).build();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String groupId() {
        return groupId;
    }

    public Duration maxFutureSkew() {
        return maxFutureSkew;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public Duration outOfOrderness() {
        return outOfOrderness;
    }

    public KafkaSource<Parsed<Impression>> impressionSource() {
        return source(impressionsTopic, EventDeserializers.impressions(maxRecordBytes, maxFutureSkew));
    }

    public KafkaSource<Parsed<Click>> clickSource() {
        return source(clicksTopic, EventDeserializers.clicks(maxRecordBytes, maxFutureSkew));
    }

    public KafkaSource<Parsed<Conversion>> conversionSource() {
        return source(conversionsTopic, EventDeserializers.conversions(maxRecordBytes, maxFutureSkew));
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

    /** Builder; every setting starts at its default (bootstrap servers must be set). */
    public static final class Builder {
        private String bootstrapServers;
        private String groupId = GROUP_ID.defaultValue();
        private String impressionsTopic = IMPRESSIONS_TOPIC.defaultValue();
        private String clicksTopic = CLICKS_TOPIC.defaultValue();
        private String conversionsTopic = CONVERSIONS_TOPIC.defaultValue();
        private Duration outOfOrderness = OUT_OF_ORDERNESS.defaultValue();
        private Duration idleness = IDLENESS.defaultValue();
        private Duration maxFutureSkew = MAX_FUTURE_SKEW.defaultValue();
        private MemorySize maxRecordBytes = MAX_RECORD_BYTES.defaultValue();
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

        /** {@link #MAX_FUTURE_SKEW}. */
        public Builder maxFutureSkew(Duration d) {
            this.maxFutureSkew = d;
            return this;
        }

        /** {@link #MAX_RECORD_BYTES}. */
        public Builder maxRecordBytes(MemorySize m) {
            this.maxRecordBytes = m;
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

    private static boolean nonBlank(String s) {
        return s != null && !s.isBlank();
    }
}
