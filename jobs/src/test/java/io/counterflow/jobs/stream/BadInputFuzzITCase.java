package io.counterflow.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.connectors.kafka.CounterflowKafkaSources;
import io.counterflow.connectors.kafka.DeadLetterJson;
import io.counterflow.connectors.kafka.DeadLetterSink;
import io.counterflow.connectors.kafka.EmbeddedKafkaBroker;
import io.counterflow.connectors.kafka.KafkaTestUtils;
import io.counterflow.connectors.snapshot.ModelVersionSink;
import io.counterflow.connectors.snapshot.PublicationRoot;
import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.sim.EventSink;
import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import io.counterflow.model.snapshot.ModelSnapshot;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.operators.join.LabelJoinOperator;
import io.counterflow.operators.join.LabelJoinSettings;
import io.counterflow.operators.train.TrainingSettings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * 100,000 malformed records ({@link BadRecordGenerator}, plus the ones only the label join can reject: duplicate
 * impressions, clicks and conversions for unknown impressions, conversions without a click) interleaved with
 * generated valid traffic on a real broker, through the real pipeline ({@link CounterflowStreamJob}: Kafka sources,
 * label join with policy wait, mini-batcher, trainer, publisher; the Kafka dead-letter sink exactly-once) on a
 * MiniCluster with checkpoints and restart strategy none, so that any failure fails the test.
 *
 * <p>Asserts: the job finished without ever restarting; every bad record is in the dead-letter topic exactly once
 * (read committed; source rejects matched by topic/partition/offset, join rejects by reason and id) with its
 * expected reason; every valid impression got exactly its one expected row and was trained.
 *
 * <p>Determinism: the watermark bound is 30 days, far beyond the data's hours, so no join timer fires before end
 * of input and no outcome depends on how the topics interleave. The far-future records are 3 years ahead of the
 * data (a day ahead of the wall clock) and go first into every partition of every topic: had one reached a
 * watermark generator, every channel's watermark would pass the whole data set, and the valid events after it
 * would be late. LATE_EVENT itself depends on watermark progress and is covered by the join's harness tests.
 */
class BadInputFuzzITCase {
    private static final int BAD_RECORDS = 100_000;
    private static final int PARTITIONS = 2;
    private static final String[] TOPICS = {"fuzz-impressions", "fuzz-clicks", "fuzz-conversions"};
    private static final String DEAD = "fuzz-dead-letters";
    private static final int MAX_MESSAGE_BYTES = 16 << 20;
    private static final long DAY = 86_400_000L;

    // Join rejects made by the test (counts; each is one bad record).
    private static final int DUPLICATES = 4_000;
    private static final int GHOST_CLICKS = 3_000;
    private static final int GHOST_CONVERSIONS = 2_000;
    private static final int CONVERSIONS_WITHOUT_CLICK = 3_000;
    /** Valid impressions behind their partition by a day (within the 30-day bound): out of order, trained. */
    private static final int OUT_OF_ORDER = 1_000;
    /** Oversized records (RECORD_TOO_LARGE): a few of 10 MB and some just over the 1 MiB limit. */
    private static final int[] LARGE = {10 << 20, 10 << 20, 10 << 20, 1100 << 10, 1100 << 10, 1100 << 10};

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static EmbeddedKafkaBroker kafka;

    @TempDir Path tmp;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        List<NewTopic> topics = new ArrayList<>();
        for (String t : TOPICS) {
            topics.add(new NewTopic(t, PARTITIONS, (short) 1)
                    .configs(Map.of("max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES))));
        }
        topics.add(new NewTopic(DEAD, 1, (short) 1));
        try (Admin admin = kafka.admin()) {
            admin.createTopics(topics).all().get();
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** What was produced and what must come out. */
    private static final class Expected {
        /** "topic partition@offset" → reason, for every record the sources must reject. */
        final Map<String, BadInputReason> source = new ConcurrentHashMap<>();
        /** "topic partition@offset" → SHA-256 of the original, for the oversized records. */
        final Map<String, String> largeSha = new ConcurrentHashMap<>();
        /** "REASON id" for every event the join must reject (one entry per rejected event). */
        final List<String> join = Collections.synchronizedList(new ArrayList<>());
        /** id → "click,conversion" for every valid impression. */
        final Map<String, String> labels = new HashMap<>();
        final Map<String, Integer> kinds = new TreeMap<>();
        /** Bad records per topic and generator kind. */
        final Map<String, Integer> perKind = new TreeMap<>();
        int madeBad;
        int generatedJoinRejects;
        int validEvents;
        final AtomicReference<Exception> sendError = new AtomicReference<>();
    }

    @Test
    void hundredThousandBadRecordsAreDeadLetteredExactlyOnceAndEveryValidSampleIsTrained(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        Expected x = produce(generator().build());
        assertThat(x.madeBad).isEqualTo(BAD_RECORDS);

        Configuration conf = configuration(tmp.resolve("checkpoints"));
        assertThat(DeadLetterSink.guarantee(conf)).as("auto: checkpointing is on, exactly-once mode")
                .isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        env.setParallelism(PARTITIONS);
        CounterflowKafkaSources sources = CounterflowKafkaSources.builder(conf)
                .startingOffsets(OffsetsInitializer.earliest()).bounded(OffsetsInitializer.latest()).build();
        String models = tmp.resolve("models").toString();
        CounterflowStreamJob job = new CounterflowStreamJob(sources::addTo, DeadLetterSink.fromConfig(conf),
                ModelVersionSink.of(models, 1), LabelJoinSettings.fromConfig(conf),
                new MiniBatchSettings(64, Duration.ofMillis(200)), TrainingSettings.builder().backend("java")
                        .batchCapacity(64).evalWindow(1000).stagingDir(tmp.resolve("staging").toString())
                        .model(tinyModel()).build());
        CounterflowStreamJob.Pipeline p = job.build(env);

        Map<String, String> labels = new HashMap<>();
        List<String> duplicateRows = new ArrayList<>();
        JobClient client;
        long start = System.nanoTime();
        try (CloseableIterator<LabeledSample> it = p.samples.collectAsync()) {
            client = env.executeAsync("bad-input-fuzz-itcase");
            while (it.hasNext()) {
                LabeledSample s = it.next();
                if (labels.put(s.id, s.click + "," + s.conversion) != null) {
                    duplicateRows.add(s.id);
                }
            }
            client.getJobExecutionResult().get(); // throws if the job failed (restart strategy none)
        }
        double jobSeconds = (System.nanoTime() - start) / 1e9;
        assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
        assertThat(cluster.getArchivedExecutionGraph(client.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING))
                .as("the job never restarted").isZero();

        // --- dead letters: committed records only, each read by the versioned reader
        List<DeadLetterJson.Record> dead = KafkaTestUtils.readDeadLetters(kafka.bootstrapServers(), DEAD);
        Map<String, BadInputReason> actualSource = new HashMap<>();
        List<String> sourceTwice = new ArrayList<>();
        List<String> actualJoin = new ArrayList<>();
        Map<String, Integer> perReason = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (DeadLetterJson.Record d : dead) {
            perReason.merge(d.reason, 1, Integer::sum);
            if (d.source.equals(LabelJoinOperator.SOURCE)) {
                JsonNode original = json.readTree(d.original); // the join re-encodes the event: it names its id
                String id = original.has("id") ? original.get("id").asText() : original.get("impression_id").asText();
                actualJoin.add(d.reason + " " + id);
            } else {
                String key = d.source + " " + d.partition + "@" + d.offset;
                if (actualSource.put(key, BadInputReason.valueOf(d.reason)) != null) {
                    sourceTwice.add(key);
                }
                String sha = x.largeSha.get(key);
                if (sha != null) {
                    assertThat(d.truncated).as("an oversized original keeps only its first bytes").isTrue();
                    assertThat(d.original).hasSize(DeadLetterJson.MAX_ORIGINAL_BYTES);
                    assertThat(d.originalSha256).isEqualTo(sha);
                }
            }
        }

        System.out.printf("fuzz: produced %,d valid events (%,d valid impressions) and %,d bad records (%s);"
                + " %,d generated events rejected by the join; job ran %.1f s%n", x.validEvents, x.labels.size(),
                x.madeBad, x.kinds, x.generatedJoinRejects, jobSeconds);
        System.out.printf("fuzz: bad records per kind: %s%n", x.perKind);
        System.out.printf("fuzz: dead letters %,d: %s%n", dead.size(), perReason);

        assertThat(sourceTwice).as("source dead letters written twice").isEmpty();
        assertThat(actualSource).as("every source reject exactly once, with its reason").isEqualTo(x.source);
        List<String> wantJoin = new ArrayList<>(x.join);
        Collections.sort(wantJoin);
        Collections.sort(actualJoin);
        assertThat(actualJoin).as("every join reject exactly once, with its reason").isEqualTo(wantJoin);
        assertThat(dead).hasSize(x.source.size() + x.join.size());
        try (Admin admin = kafka.admin()) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(DEAD, 0);
            long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get()
                    .get(tp).offset();
            assertThat(end).as("transaction markers take offsets: the sink wrote in transactions")
                    .isGreaterThan(dead.size());
        }

        assertThat(duplicateRows).as("one row per impression (policy wait)").isEmpty();
        assertThat(labels).as("every valid impression labeled as generated").isEqualTo(x.labels);
        Path latest = Paths.get(PublicationRoot.latest(models).toUri().getPath());
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) ModelSnapshot.manifest(latest).get("info");
        long trained = ((Number) info.get("trained_samples")).longValue();
        System.out.printf("fuzz: %,d samples trained (%,d valid impressions expected)%n", trained, x.labels.size());
        assertThat(trained).as("every valid sample trained").isEqualTo(x.labels.size());
    }

    private static Configuration configuration(Path checkpoints) {
        Configuration c = new Configuration();
        c.set(PipelineOptions.GENERIC_TYPES, false);
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // any failure fails the job, and the test
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
        c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        c.set(CounterflowKafkaSources.BOOTSTRAP_SERVERS.option(), kafka.bootstrapServers());
        c.set(CounterflowKafkaSources.GROUP_ID.option(), "fuzz-" + System.nanoTime());
        c.set(CounterflowKafkaSources.IMPRESSIONS_TOPIC.option(), TOPICS[0]);
        c.set(CounterflowKafkaSources.CLICKS_TOPIC.option(), TOPICS[1]);
        c.set(CounterflowKafkaSources.CONVERSIONS_TOPIC.option(), TOPICS[2]);
        c.set(CounterflowKafkaSources.OUT_OF_ORDERNESS.option(), Duration.ofDays(30));
        c.set(CounterflowKafkaSources.IDLENESS.option(), Duration.ofSeconds(30));
        c.set(DeadLetterSink.TOPIC.option(), DEAD);
        c.set(LabelJoinSettings.CLICK_WINDOW.option(), DemoCommand.CLICK_WINDOW);
        c.set(LabelJoinSettings.ATTRIBUTION_WINDOW.option(), DemoCommand.ATTRIBUTION_WINDOW);
        c.set(LabelJoinSettings.ALLOWED_LATENESS.option(), Duration.ofDays(30));
        c.set(LabelJoinSettings.LABELING_POLICY.option(), "wait"); // exactly one row per impression
        return c;
    }

    /** A small model: this test is about inputs, not learning. */
    private static Settings tinyModel() {
        Settings s = new Settings();
        s.set(Settings.EMBEDDING_DIM, 4);
        s.set(Settings.BUCKETS, 4096);
        s.set(Settings.TOWERS, new Integer[] {16, 8});
        return s;
    }

    private static GeneratorConfig.Builder generator() {
        return DemoCommand.generator(6_000, 42).streamSeed(11).clickRate(0.2).cvrAmongClicks(0.3).users(500)
                .items(200);
    }

    // ------------------------------------------------------------------------------------------------ producing

    /** The injections, shuffled and spread evenly over the generated events. */
    private enum Action { SOURCE_BAD, LARGE, DUPLICATE, GHOST_CLICK, GHOST_CONVERSION, NO_CLICK, OUT_OF_ORDER }

    private static Expected produce(GeneratorConfig world) throws Exception {
        Expected x = new Expected();
        Random random = new Random(2024);
        BadRecordGenerator bad = new BadRecordGenerator(99, System.currentTimeMillis());
        int farFutureFirst = TOPICS.length * PARTITIONS;
        int joinRejects = DUPLICATES + GHOST_CLICKS + GHOST_CONVERSIONS + CONVERSIONS_WITHOUT_CLICK;
        int sourceBad = BAD_RECORDS - joinRejects - LARGE.length - farFutureFirst;
        List<Action> actions = new ArrayList<>();
        add(actions, Action.SOURCE_BAD, sourceBad);
        add(actions, Action.LARGE, LARGE.length);
        add(actions, Action.DUPLICATE, DUPLICATES);
        add(actions, Action.GHOST_CLICK, GHOST_CLICKS);
        add(actions, Action.GHOST_CONVERSION, GHOST_CONVERSIONS);
        add(actions, Action.NO_CLICK, CONVERSIONS_WITHOUT_CLICK);
        add(actions, Action.OUT_OF_ORDER, OUT_OF_ORDER);
        Collections.shuffle(actions, random);

        long[] count = {0};
        new Generator(world).forEachEvent(new EventSink() {
            @Override public void impression(Impression i) {
                count[0]++;
            }

            @Override public void click(Click c) {
                count[0]++;
            }

            @Override public void conversion(Conversion c) {
                count[0]++;
            }
        });
        long events = count[0];

        EventCodec codec = new EventCodec();
        long[][] maxTs = new long[TOPICS.length][PARTITIONS];
        for (long[] m : maxTs) {
            Arrays.fill(m, world.startTs);
        }
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            Sender send = new Sender(producer, x);
            // Far-future events first, into every partition of every topic (see the class comment).
            for (int t = 0; t < TOPICS.length; t++) {
                for (int part = 0; part < PARTITIONS; part++) {
                    send.bad(t, part, bad.farFuture(t));
                }
            }
            int[] next = {0};
            long[] seen = {0};
            int[] serial = {0};
            int[] large = {0};
            new Generator(world).run((imp, click, conv, sample) -> {
                x.labels.put(sample.id, sample.click + "," + sample.conversion);
                if (click != null && sample.click == 0) {
                    x.join.add(BadInputReason.CLICK_OUTSIDE_WINDOW + " " + sample.id);
                    x.generatedJoinRejects++;
                    if (conv != null) {
                        x.join.add(BadInputReason.CONVERSION_WITHOUT_CLICK + " " + sample.id);
                        x.generatedJoinRejects++;
                    }
                } else if (conv != null && sample.conversion == 0) {
                    x.join.add(BadInputReason.CONVERSION_OUTSIDE_WINDOW + " " + sample.id);
                    x.generatedJoinRejects++;
                }
            }, new EventSink() {
                @Override
                public void impression(Impression i) {
                    valid(0, i.id, i.ts, codec.toUtf8(i));
                }

                @Override
                public void click(Click c) {
                    valid(1, c.impressionId, c.ts, codec.toUtf8(c));
                }

                @Override
                public void conversion(Conversion c) {
                    valid(2, c.impressionId, c.ts, codec.toUtf8(c));
                }

                private void valid(int topic, String id, long ts, byte[] value) {
                    int part = partition(id);
                    send.valid(topic, part, id, value);
                    maxTs[topic][part] = Math.max(maxTs[topic][part], ts);
                    x.validEvents++;
                    seen[0]++;
                    long due = seen[0] * actions.size() / events;
                    while (next[0] < due) {
                        inject(actions.get(next[0]++), ts);
                    }
                }

                /** {@code now}: the generated stream's current event time. */
                private void inject(Action a, long now) {
                    int part = random.nextInt(PARTITIONS);
                    String id;
                    switch (a) {
                        case SOURCE_BAD:
                            BadRecordGenerator.Bad b = bad.next(now);
                            send.bad(b.topic(), random.nextInt(PARTITIONS), b);
                            break;
                        case LARGE:
                            send.bad(0, part, bad.large(LARGE[large[0]++], now));
                            break;
                        case DUPLICATE:
                            id = "dup-" + serial[0]++;
                            validInjected(0, part, id, codec.toUtf8(injectedImpression(id, now)));
                            x.labels.put(id, "0,0");
                            send.valid(0, part, id, codec.toUtf8(injectedImpression(id, now + 1)));
                            joinReject(BadInputReason.DUPLICATE_IMPRESSION, id);
                            break;
                        case GHOST_CLICK:
                            id = "ghost-" + serial[0]++;
                            send.valid(1, part, id, codec.toUtf8(new Click(id, now)));
                            joinReject(BadInputReason.UNKNOWN_IMPRESSION, id);
                            break;
                        case GHOST_CONVERSION:
                            id = "ghost-" + serial[0]++;
                            send.valid(2, part, id, codec.toUtf8(new Conversion(id, now)));
                            joinReject(BadInputReason.UNKNOWN_IMPRESSION, id);
                            break;
                        case NO_CLICK:
                            id = "noclick-" + serial[0]++;
                            validInjected(0, part, id, codec.toUtf8(injectedImpression(id, now)));
                            x.labels.put(id, "0,0");
                            send.valid(2, part, id, codec.toUtf8(new Conversion(id, now + 1000)));
                            joinReject(BadInputReason.CONVERSION_WITHOUT_CLICK, id);
                            break;
                        case OUT_OF_ORDER:
                            id = "late-by-a-day-" + serial[0]++;
                            validInjected(0, part, id, codec.toUtf8(injectedImpression(id, maxTs[0][part] - DAY)));
                            x.labels.put(id, "0,0");
                            break;
                        default:
                            throw new IllegalStateException(a.name());
                    }
                }

                private void validInjected(int topic, int part, String id, byte[] value) {
                    send.valid(topic, part, id, value);
                    x.validEvents++;
                }

                private void joinReject(BadInputReason reason, String id) {
                    x.join.add(reason + " " + id);
                    x.madeBad++;
                    x.kinds.merge("join/" + reason, 1, Integer::sum);
                }
            });
            if (next[0] < actions.size()) {
                throw new IllegalStateException("not every injection was made: " + next[0] + " of " + actions.size());
            }
            producer.flush();
        }
        if (x.sendError.get() != null) {
            throw x.sendError.get();
        }
        return x;
    }

    private static void add(List<Action> actions, Action a, int n) {
        for (int i = 0; i < n; i++) {
            actions.add(a);
        }
    }

    /** Sends asynchronously; bad records' coordinates are recorded from the send callback. */
    private static final class Sender {
        private final KafkaProducer<byte[], byte[]> producer;
        private final Expected x;

        Sender(KafkaProducer<byte[], byte[]> producer, Expected x) {
            this.producer = producer;
            this.x = x;
        }

        void valid(int topic, int partition, String key, byte[] value) {
            producer.send(new ProducerRecord<>(TOPICS[topic], partition, key.getBytes(StandardCharsets.UTF_8), value),
                    (m, e) -> {
                        if (e != null) {
                            x.sendError.compareAndSet(null, e);
                        }
                    });
        }

        void bad(int topic, int partition, BadRecordGenerator.Bad b) {
            x.madeBad++;
            x.kinds.merge(TOPICS[topic].substring("fuzz-".length()) + "/" + b.reason(), 1, Integer::sum);
            x.perKind.merge(TOPICS[topic].substring("fuzz-".length()) + "/" + b.kind(), 1, Integer::sum);
            String sha = b.reason() == BadInputReason.RECORD_TOO_LARGE ? sha256(b.value()) : null;
            producer.send(new ProducerRecord<>(TOPICS[topic], partition, null, b.value()), (m, e) -> {
                if (e != null) {
                    x.sendError.compareAndSet(null, e);
                    return;
                }
                String key = m.topic() + " " + m.partition() + "@" + m.offset();
                x.source.put(key, b.reason());
                if (sha != null) {
                    x.largeSha.put(key, sha);
                }
            });
        }
    }

    private static int partition(String id) {
        return Math.floorMod(id.hashCode(), PARTITIONS);
    }

    private static Impression injectedImpression(String id, long ts) {
        return new Impression(id, ts, new Features(new String[] {"user_id", "item_id"},
                new String[] {"u-" + (id.hashCode() & 511), "i9"}, new String[] {"hist_cats"}, new String[][] {{"c1", "c9"}},
                new String[] {"price"}, new double[] {12.5}), null);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                MAX_MESSAGE_BYTES, ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(), new ByteArraySerializer());
    }
}
