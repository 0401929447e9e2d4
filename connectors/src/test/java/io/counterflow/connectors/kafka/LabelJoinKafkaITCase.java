package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.EventCodec;
import io.counterflow.operators.join.JoinEvent;
import io.counterflow.operators.join.LabelJoinOperator;
import io.counterflow.operators.join.LabelJoinSettings;
import io.counterflow.operators.join.LabelingPolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * End to end on real parts: an in-process KRaft broker, Flink's MiniCluster, the three Kafka sources with
 * never-throwing deserialization, the label join, and the dead-letter sink. Valid events and one bad record per
 * contract bad-input kind go in; the labels per impression and every dead letter (with its reason) come out, and
 * the job never restarts.
 *
 * <p>Determinism: the sources' watermark bound is set to 30 days, far beyond the data's 9-day span, so no
 * join timer fires before end of input: the outcome does not depend on how the three topics interleave.
 * Lateness and expiry (which do depend on watermark progress) are covered by the join's harness tests.
 */
class LabelJoinKafkaITCase {
    private static final long T0 = 1_700_000_000_000L;
    private static final long MIN = 60_000L;
    private static final long DAY = 24 * 60 * MIN;
    private static final String DEAD = "counterflow-dead-letters";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics("impressions", "clicks", "conversions");
        kafka.createTopics(1, DEAD);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void labelsEveryImpressionAndDeadLettersEveryBadRecordWithoutRestarting(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        EventCodec codec = new EventCodec();
        List<String> expectedDead = new ArrayList<>();
        Map<Long, byte[]> binaryOriginals = new TreeMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // --- valid events: one impression per labelling case
            for (String id : List.of("imp-1", "imp-2", "imp-3", "imp-5", "imp-6", "imp-7", "imp-8")) {
                send(producer, "impressions", id, codec.toUtf8(impression(id, T0)));
            }
            send(producer, "impressions", "imp-4", codec.toUtf8(impression("imp-4", T0 + 5 * MIN)));
            send(producer, "impressions", "imp-8", codec.toUtf8(impression("imp-8", T0 + 1000))); // duplicate
            expectedDead.add("label-join DUPLICATE_IMPRESSION imp-8");
            send(producer, "clicks", "imp-2", codec.toUtf8(new Click("imp-2", T0 + MIN)));
            send(producer, "clicks", "imp-2", codec.toUtf8(new Click("imp-2", T0 + MIN))); // duplicate: counted only
            send(producer, "clicks", "imp-3", codec.toUtf8(new Click("imp-3", T0 + 2 * MIN)));
            send(producer, "conversions", "imp-3", codec.toUtf8(new Conversion("imp-3", T0 + 60 * MIN)));
            send(producer, "clicks", "imp-4", codec.toUtf8(new Click("imp-4", T0 + 6 * MIN)));
            send(producer, "conversions", "imp-4", codec.toUtf8(new Conversion("imp-4", T0 + 2 * DAY)));
            send(producer, "conversions", "imp-5", codec.toUtf8(new Conversion("imp-5", T0 + 10 * MIN)));
            expectedDead.add("label-join CONVERSION_WITHOUT_CLICK imp-5");
            send(producer, "clicks", "imp-6", codec.toUtf8(new Click("imp-6", T0 + 31 * MIN)));
            expectedDead.add("label-join CLICK_OUTSIDE_WINDOW imp-6");
            send(producer, "clicks", "imp-7", codec.toUtf8(new Click("imp-7", T0 + MIN)));
            send(producer, "conversions", "imp-7", codec.toUtf8(new Conversion("imp-7", T0 + MIN + 8 * DAY)));
            expectedDead.add("label-join CONVERSION_OUTSIDE_WINDOW imp-7");
            send(producer, "clicks", "ghost", codec.toUtf8(new Click("ghost", T0 + 3 * MIN)));
            expectedDead.add("label-join UNKNOWN_IMPRESSION ghost");

            // --- bad records: every contract bad-input kind the sources can see
            bad(producer, expectedDead, "impressions", "{\"id\":", BadInputReason.INVALID_JSON);
            bad(producer, expectedDead, "impressions", "{\"ts\":1,\"features\":{}}", BadInputReason.MISSING_ID);
            bad(producer, expectedDead, "impressions", "{\"id\":\"" + "x".repeat(257) + "\",\"ts\":1,\"features\":{}}",
                    BadInputReason.ID_TOO_LONG);
            bad(producer, expectedDead, "impressions", "{\"id\":\"a\",\"features\":{}}", BadInputReason.MISSING_TS);
            bad(producer, expectedDead, "impressions", "{\"id\":\"a\",\"ts\":1,\"features\":{\"p\":Infinity}}",
                    BadInputReason.NON_FINITE_NUMBER);
            bad(producer, expectedDead, "impressions", "{\"id\":\"a\",\"ts\":1,\"features\":[1]}",
                    BadInputReason.INVALID_FEATURES);
            bad(producer, expectedDead, "impressions",
                    "{\"id\":\"a\",\"ts\":1,\"features\":{},\"truth\":{\"ctr\":1.5,\"cvr\":0.1}}",
                    BadInputReason.LABEL_OUT_OF_RANGE);
            byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe, '{'};
            RecordMetadata m = producer.send(new ProducerRecord<>("impressions", null, notUtf8)).get();
            binaryOriginals.put(m.offset(), notUtf8);
            expectedDead.add("impressions " + m.partition() + "@" + m.offset() + " INVALID_JSON");
            bad(producer, expectedDead, "clicks", null, BadInputReason.INVALID_JSON);
            bad(producer, expectedDead, "clicks", "{\"impression_id\":\"imp-1\",\"ts\":\"soon\"}",
                    BadInputReason.MISSING_TS);
            bad(producer, expectedDead, "conversions", "[1,2]", BadInputReason.INVALID_JSON);
            bad(producer, expectedDead, "conversions", "{\"impression_id\":\"\",\"ts\":1}", BadInputReason.MISSING_ID);
        }

        StreamExecutionEnvironment env = environment();
        CounterflowKafkaSources sources = CounterflowKafkaSources.builder().bootstrapServers(kafka.bootstrapServers())
                .groupId("it-" + System.nanoTime()).startingOffsets(OffsetsInitializer.earliest())
                .bounded(OffsetsInitializer.latest()).outOfOrderness(Duration.ofDays(30))
                .idleness(Duration.ofSeconds(30)).build();
        CounterflowKafkaSources.Streams in = sources.addTo(env);
        SingleOutputStreamOperator<LabeledSample> samples = LabelJoinOperator.join(
                JoinEvent.union(in.impressions, in.clicks, in.conversions), LabelJoinSettings.defaults(),
                LabelingPolicy.emitWhenFinal());
        DataStream<DeadLetter> deadLetters = in.deadLetters.union(samples.getSideOutput(LabelJoinOperator.DEAD_LETTERS));
        DeadLetterSink.sinkTo(deadLetters, DeadLetterSink.kafka(kafka.bootstrapServers(), DEAD));
        CloseableIterator<LabeledSample> collected = samples.collectAsync();
        JobClient job = env.executeAsync("label-join-kafka-itcase");

        Map<String, String> labels = new TreeMap<>();
        int sampleCount = 0;
        try (collected) {
            while (collected.hasNext()) {
                LabeledSample s = collected.next();
                labels.put(s.id, s.click + "," + s.conversion);
                sampleCount++;
            }
        }
        job.getJobExecutionResult().get();

        assertThat(sampleCount).as("exactly one sample per impression").isEqualTo(8);
        assertThat(labels).containsExactlyInAnyOrderEntriesOf(Map.of("imp-1", "0,0", "imp-2", "1,0", "imp-3", "1,1",
                "imp-4", "1,1", "imp-5", "0,0", "imp-6", "0,0", "imp-7", "1,0", "imp-8", "0,0"));

        List<String> actualDead = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (DeadLetterJson.Record d : KafkaTestUtils.readDeadLetters(kafka.bootstrapServers(), DEAD)) {
            if (d.source.equals(LabelJoinOperator.SOURCE)) {
                // the join re-encodes the rejected event with the codec: the original names its impression
                JsonNode original = json.readTree(d.original);
                String id = original.has("id") ? original.get("id").asText() : original.get("impression_id").asText();
                actualDead.add(d.source + " " + d.reason + " " + id);
            } else {
                actualDead.add(d.source + " " + d.partition + "@" + d.offset + " " + d.reason);
                if (DeadLetterJson.utf8OrNull(d.original == null ? new byte[0] : d.original) == null) {
                    assertThat(d.original).isEqualTo(binaryOriginals.get(d.offset));
                }
            }
        }
        assertThat(actualDead).containsExactlyInAnyOrderElementsOf(expectedDead);

        assertThat(cluster.getArchivedExecutionGraph(job.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING))
                .as("the job never restarted").isZero();
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
    }

    private static StreamExecutionEnvironment environment() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // A restart strategy that WOULD restart, so that "never restarted" is a real assertion.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        env.setParallelism(2);
        return env;
    }

    private static Impression impression(String id, long ts) {
        Features f = new Features(new String[] {"user_id", "item_id"}, new String[] {"u-" + id, "i9"},
                new String[] {"hist_cats"}, new String[][] {{"c1", "c9"}}, new String[] {"price"},
                new double[] {12.5});
        return new Impression(id, ts, f, null);
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Keyed by impression id, so that events of one impression keep their order within a topic. */
    private static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] value)
            throws Exception {
        p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    private static void bad(KafkaProducer<byte[], byte[]> p, List<String> expected, String topic, String value,
            BadInputReason reason) throws Exception {
        KafkaTestUtils.sendBad(p, expected, topic, value, reason);
    }
}
