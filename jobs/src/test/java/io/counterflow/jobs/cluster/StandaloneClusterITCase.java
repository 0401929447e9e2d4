package io.counterflow.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.connectors.kafka.EmbeddedKafkaBroker;
import io.counterflow.connectors.kafka.KafkaTestUtils;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.sim.EventSink;
import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import io.counterflow.operators.train.SampleAudit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The job jar on a real Flink standalone cluster ({@link StandaloneCluster}: JobManager, TaskManagers and {@code
 * flink run} as child JVMs from the module jars, configured by flink-conf/config.yaml) against a real Kafka
 * broker, through every failure a long-lived deployment sees, in one run:
 *
 * <ol>
 *   <li>{@code flink run -d -p 1 counterflow-jobs.jar stream ...}: it trains and publishes versions;
 *   <li>{@code flink stop --savepointPath}, then {@code flink run -s SAVEPOINT -p 2}: sources and join rescale,
 *       the model continues from the savepoint's step;
 *   <li>a TaskManager killed with SIGKILL mid-stream, a new one started: the job recovers from its checkpoint;
 *   <li>the broker stopped and started again on the same port and log directory;
 *   <li>another TaskManager SIGKILL;
 *   <li>a last batch far later in event time closes every window: the last version's {@code info.audit} accounts
 *       for every impression, click and conversion the generator produced, once (counts and id checksums).
 * </ol>
 *
 * Also: a {@code counterflow.*} key of the cluster's config.yaml reaches the job (the manifest's settings), and the
 * TaskManager's Prometheus endpoint serves the trainer's and the join's metrics. Work directory, logs of every
 * process and the last Prometheus scrape: {@code jobs/target/cluster-it/}.
 */
class StandaloneClusterITCase {
    private static final Duration CLICK_WINDOW = Duration.ofMinutes(1);
    private static final Duration ATTRIBUTION_WINDOW = Duration.ofMinutes(10);
    private static final Duration LABELING_ELAPSED = Duration.ofMinutes(1);
    /** The job's default bound of event-time disorder (--watermark-out-of-orderness). */
    private static final Duration OUT_OF_ORDERNESS = Duration.ofMinutes(10);
    private static final int IMPRESSIONS = 9_000;
    private static final int PHASES = 6;
    /** Partitions of each event topic (more than the job's parallelism after the rescale is pointless here). */
    private static final int PARTITIONS = 2;
    /** Set in the cluster's config.yaml only (the job's default is 16): the manifest must show it. */
    private static final int EMBEDDING_DIM_FROM_CONFIG = 8;
    private static final Duration RECOVERY = Duration.ofMinutes(2);

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everySampleIsTrainedOnceThroughRescaleTaskManagerKillsAndABrokerRestart() throws Exception {
        Path work = Paths.get("target", "cluster-it").toAbsolutePath();
        deleteRecursively(work);
        Files.createDirectories(work);
        Path jar = Paths.get("target", "counterflow-jobs.jar").toAbsolutePath();
        assertThat(jar).as("the shaded job jar (built in package)").exists();
        Path models = work.resolve("models");
        long t0 = System.nanoTime();

        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("execution.checkpointing.interval", "3s"); // shipped: 30s
        overrides.put("execution.checkpointing.min-pause", "1s");
        overrides.put("heartbeat.interval", "2s");
        overrides.put("heartbeat.timeout", "20s");
        overrides.put("counterflow.model.embedding-dim", String.valueOf(EMBEDDING_DIM_FROM_CONFIG));

        World world = World.generate();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start();
                StandaloneCluster cluster = StandaloneCluster.start(work, Paths.get("..", "flink-conf"),
                        Paths.get("target", "cluster-classpath.txt"), overrides, 1)) {
            kafka.createTopics(PARTITIONS, "impressions", "clicks", "conversions");
            kafka.createTopics(1, "counterflow-dead-letters");
            List<String> stream = List.of(jar.toString(), "stream", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--snapshot-path", models.toString(), "--click-window", CLICK_WINDOW.toString(),
                    "--attribution-window", ATTRIBUTION_WINDOW.toString(), "--labeling-elapsed",
                    LABELING_ELAPSED.toString(), "--buckets", "4096", "--towers", "16,8",
                    // every partition gets events in every phase: a slow restart between phases must not mark the
                    // splits idle (the first source back would then run the join's watermark ahead of the others)
                    "--watermark-idleness", "PT1H");
            Versions versions = new Versions(models);
            int tmKills = 0;
            int brokerRestarts = 0;
            int savepointCycles = 0;

            // 1. Submitted at parallelism 1: trains and publishes.
            String job = cluster.submit(concat(List.of("-p", "1"), stream));
            cluster.awaitAllTasksRunning(job, RECOVERY);
            world.produce(kafka, 0);
            JsonNode first = versions.awaitStepAbove(0, RECOVERY);
            log(t0, "published " + versions.latestName() + " (step " + step(first) + ")");

            // 2. Stop with a savepoint; resume from it at parallelism 2 (sources' splits and the join's keys rescale).
            String savepoint = cluster.stopWithSavepoint(job, work.resolve("savepoints"));
            cluster.awaitJobState(job, "FINISHED", RECOVERY);
            long stepAtStop = step(versions.latest());
            log(t0, "stopped with savepoint " + savepoint + " at step " + stepAtStop);
            job = cluster.submit(concat(List.of("-s", savepoint, "-p", "2"), stream));
            savepointCycles++;
            cluster.awaitAllTasksRunning(job, RECOVERY);
            assertThat(parallelism(cluster, job, "label-join")).as("the join after the rescale").isEqualTo(2);
            world.produce(kafka, 1);
            JsonNode resumed = versions.awaitNewVersion(RECOVERY);
            assertThat(step(resumed)).as("the first version after the restore continues the savepoint's step")
                    .isGreaterThanOrEqualTo(stepAtStop);
            versions.awaitStepAbove(stepAtStop, RECOVERY);
            log(t0, "resumed at -p 2: " + versions.latestName());

            // 3. SIGKILL the TaskManager while the next phase streams in; a new TaskManager takes over.
            world.produce(kafka, 2);
            killTaskManager(cluster, job);
            tmKills++;
            log(t0, "recovered from TaskManager kill 1");

            // 4. The broker goes away and comes back on the same port with the same log directory.
            world.produce(kafka, 3);
            versions.awaitStepAbove(step(versions.latest()), RECOVERY);
            kafka.restart();
            brokerRestarts++;
            cluster.awaitAllTasksRunning(job, RECOVERY);
            log(t0, "broker restarted");

            // 5. Another SIGKILL mid-stream.
            world.produce(kafka, 4);
            versions.awaitStepAbove(step(versions.latest()), RECOVERY);
            killTaskManager(cluster, job);
            tmKills++;
            log(t0, "recovered from TaskManager kill 2");

            // The TaskManager's Prometheus endpoint (config.yaml's reporter) serves the trainer's and the join's metrics.
            StandaloneCluster.TaskManager tm = cluster.taskManagers().get(0);
            String[] scrape = {""};
            StandaloneCluster.await("the trainer's and the join's metrics on " + tm, RECOVERY, () -> {
                try {
                    scrape[0] = cluster.scrape(tm);
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                return scrape[0].contains("_trainedSamplesTotal") && scrape[0].contains("_samples_click0_conversion0");
            });
            Files.writeString(work.resolve("prometheus-taskmanager.txt"), scrape[0], StandardCharsets.UTF_8);
            String jobManagerScrape = cluster.scrape(cluster.jobManagerPrometheusPort());
            Files.writeString(work.resolve("prometheus-jobmanager.txt"), jobManagerScrape, StandardCharsets.UTF_8);
            assertThat(jobManagerScrape).contains("flink_jobmanager_job_numRestarts{");
            assertThat(scrape[0]).contains("flink_taskmanager_job_task_operator_step{",
                    "flink_taskmanager_job_task_operator_trainedSamples{",
                    "flink_taskmanager_job_task_operator_emissions_FINAL{",
                    "flink_taskmanager_job_task_operator_deadLetters_CLICK_OUTSIDE_WINDOW{");

            // 6. The last phase, then impressions far later in event time: every window closes.
            world.produce(kafka, 5);
            world.produceWatermarkPush(kafka);
            Map<String, Object> expected = world.expectedAudit();
            try {
                StandaloneCluster.await("a version accounting for every impression", Duration.ofMinutes(3),
                        () -> expected.equals(audit(versions.latestQuietly())));
            } catch (AssertionError timeout) {
                // the assertion below shows how the last version's audit differs
            }
            JsonNode last = versions.latest();
            assertThat(audit(last)).as("info.audit of " + versions.latestName()).isEqualTo(expected);
            assertThat(last.get("info").get("trained_samples").asLong()).isEqualTo(world.expectedRows);
            assertThat(versions.stepsSeen()).as("published steps never go back").isSorted();
            assertThat(last.get("settings").get("embedding-dim").asInt()).as("counterflow.model.embedding-dim of the"
                    + " cluster's config.yaml").isEqualTo(EMBEDDING_DIM_FROM_CONFIG);
            // Stopped with a savepoint, not cancelled: the dead-letter committers commit every pending transaction
            // on it (a cancelled committer could leave the last one open until the transaction timeout).
            cluster.stopWithSavepoint(job, work.resolve("savepoints-final"));
            cluster.awaitJobState(job, "FINISHED", RECOVERY);

            // The dead-letter sink is exactly-once (Kafka transactions committed with checkpoints) because the job
            // checkpoints: read committed records only; every rejected event exactly once, with an allowed reason,
            // and nothing else, across the kills, the broker restart and the savepoint cycle.
            List<io.counterflow.connectors.kafka.DeadLetterJson.Record> deadLetters = KafkaTestUtils.readDeadLetters(
                    kafka.bootstrapServers(), "counterflow-dead-letters");
            Map<String, Integer> reasons = new TreeMap<>();
            Map<String, String> rejected = new TreeMap<>();
            for (io.counterflow.connectors.kafka.DeadLetterJson.Record letter : deadLetters) {
                String reason = letter.reason;
                reasons.merge(reason, 1, Integer::sum);
                assertThat(letter.source).as("only the join rejects generated events").isEqualTo("label-join");
                JsonNode original = json.readTree(letter.original);
                String key = original.get("impression_id").asText() + "@" + original.get("ts").asLong();
                assertThat(world.expectedDeadLetters).as("dead letter " + letter).containsKey(key);
                assertThat(world.expectedDeadLetters.get(key)).as("reason of " + letter).contains(reason);
                assertThat(rejected.put(key, reason)).as("dead letter " + key + " written once").isNull();
            }
            assertThat(rejected.keySet()).as("every rejected click and conversion is in the dead-letter topic")
                    .isEqualTo(world.expectedDeadLetters.keySet());
            System.out.printf("cluster suite: failures injected: %d TaskManager SIGKILLs, %d broker restart, %d"
                    + " savepoint/rescale cycle (-p 1 -> -p 2); samples produced: %d impressions,"
                    + " %d clicks, %d conversions (%d events, %d labeled clicks, %d labeled conversions); trained:"
                    + " %d rows, audit %s; dead-lettered: %d records %s, %d distinct; versions seen %d, last %s; %.0f s%n",
                    tmKills, brokerRestarts, savepointCycles, world.impressions, world.clickEvents,
                    world.conversionEvents, world.events.size(), world.labeledClicks, world.labeledConversions,
                    last.get("info").get("trained_samples").asLong(), audit(last), deadLetters.size(), reasons, rejected.size(),
                    versions.stepsSeen().size(), versions.latestName(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** SIGKILL the only TaskManager, start a new one, wait until the job restarted and runs every task again. */
    private static void killTaskManager(StandaloneCluster cluster, String job) throws Exception {
        long restartedBefore = cluster.lastRestart(job);
        cluster.killTaskManager(cluster.taskManagers().get(0));
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1, RECOVERY);
        StandaloneCluster.await("a restart of job " + job, RECOVERY, () -> {
            try {
                return cluster.lastRestart(job) > restartedBefore;
            } catch (Exception e) {
                return false;
            }
        });
        cluster.awaitAllTasksRunning(job, RECOVERY);
    }

    private static int parallelism(StandaloneCluster cluster, String job, String vertexNamePart) throws Exception {
        for (JsonNode v : cluster.get("/jobs/" + job).get("vertices")) {
            if (v.get("name").asText().contains(vertexNamePart)) {
                return v.get("parallelism").asInt();
            }
        }
        throw new AssertionError("no vertex named *" + vertexNamePart + "* in job " + job);
    }

    private static long step(JsonNode manifest) {
        return manifest.get("info").get("step").asLong();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> audit(JsonNode manifest) {
        if (manifest == null || manifest.get("info").get("audit") == null) {
            return null;
        }
        return json.convertValue(manifest.get("info").get("audit"), LinkedHashMap.class);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private static void log(long t0, String what) {
        System.out.printf("cluster suite %5.1f s: %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    // ------------------------------------------------------------------------------------------------ versions

    /** The publication root: LATEST and the manifests of the versions it names, as the test sees them over time. */
    private final class Versions {
        private final Path root;
        private final List<Long> steps = new ArrayList<>();
        private String lastName;

        Versions(Path root) {
            this.root = root;
        }

        String latestName() {
            return lastName;
        }

        List<Long> stepsSeen() {
            return steps;
        }

        /** The manifest of the version LATEST names now (a version's directory is complete before LATEST names it). */
        JsonNode latest() throws IOException {
            Path latest = root.resolve("LATEST");
            String name = Files.readString(latest, StandardCharsets.UTF_8).trim();
            JsonNode m = json.readTree(root.resolve(name).resolve("manifest.json").toFile());
            if (!name.equals(lastName)) {
                lastName = name;
                steps.add(step(m));
            }
            return m;
        }

        JsonNode latestQuietly() {
            try {
                return Files.exists(root.resolve("LATEST")) ? latest() : null;
            } catch (IOException e) {
                return null; // a version removed by --keep between reading LATEST and its manifest
            }
        }

        JsonNode awaitStepAbove(long step, Duration timeout) throws Exception {
            StandaloneCluster.await("a published version with step > " + step, timeout, () -> {
                JsonNode m = latestQuietly();
                return m != null && step(m) > step;
            });
            return latest();
        }

        JsonNode awaitNewVersion(Duration timeout) throws Exception {
            String before = lastName;
            StandaloneCluster.await("a version after " + before, timeout, () -> {
                latestQuietly();
                return lastName != null && !lastName.equals(before);
            });
            return latest();
        }
    }

    // ------------------------------------------------------------------------------------------------ events

    /**
     * Generated events with known labels under the job's windows, in event-time order, split into phases by
     * position (so no phase's events are behind an earlier phase's watermark). Event times start three days ago;
     * 9,000 impressions over 6 hours, so that a phase spans an hour of event time: most of its rows are out once
     * the watermark (max ts − 10 min) has moved past their windows (1 min unclicked, then elapsed 1 min and
     * attribution 10 min after the click).
     */
    private static final class World {
        final List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
        final List<Integer> phaseStarts = new ArrayList<>();
        long impressions;
        long clickEvents;
        long conversionEvents;
        long labeledClicks;
        long labeledConversions;
        long expectedRows;
        long impressionSum;
        long clickSum;
        long conversionSum;
        long lastTs;
        Impression template;
        /** Clicks and conversions after this event time are not produced. */
        long horizon;
        /**
         * Every produced click or conversion the join must reject, by "impression_id@ts", with the reasons it may
         * get: which one depends on whether the impression's state is still there when the event arrives (after
         * its tombstone expired, an event is one of an unknown impression), not on the failures.
         */
        final Map<String, Set<String>> expectedDeadLetters = new TreeMap<>();

        static World generate() throws IOException {
            World w = new World();
            long start = System.currentTimeMillis() - Duration.ofDays(3).toMillis();
            GeneratorConfig config = GeneratorConfig.builder().impressions(IMPRESSIONS).seed(42).streamSeed(7)
                    .idPrefix("c-").startTs(start).meanInterArrivalMs(2400).clickRate(0.2).cvrAmongClicks(0.3)
                    .users(500).items(200).clickDelayMedianMs(20_000).conversionFastMedianMs(30_000)
                    .conversionSlowMedianMs(5 * 60_000).clickWindowMs(CLICK_WINDOW.toMillis())
                    .attributionWindowMs(ATTRIBUTION_WINDOW.toMillis()).build();
            // Clicks and conversions later than a day after the last impression are outside every window anyway;
            // they are left out so that the watermark push below stays the latest event time.
            long horizon = start + (long) (IMPRESSIONS * config.meanInterArrivalMs * 2) + Duration.ofDays(1).toMillis();
            w.horizon = horizon;
            EventCodec codec = new EventCodec();
            new Generator(config).run((imp, click, conv, s) -> w.account(imp, click, conv, s), new EventSink() {
                @Override
                public void impression(Impression i) {
                    w.add("impressions", i.id, i.ts, codec.toUtf8(i));
                    if (w.template == null) {
                        w.template = i;
                    }
                }

                @Override
                public void click(Click c) {
                    if (c.ts < horizon) {
                        w.add("clicks", c.impressionId, c.ts, codec.toUtf8(c));
                    }
                }

                @Override
                public void conversion(Conversion c) {
                    if (c.ts < horizon) {
                        w.add("conversions", c.impressionId, c.ts, codec.toUtf8(c));
                    }
                }
            });
            for (int p = 0; p < PHASES; p++) {
                w.phaseStarts.add((int) ((long) w.events.size() * p / PHASES));
            }
            w.phaseStarts.add(w.events.size());
            return w;
        }

        private void add(String topic, String id, long ts, byte[] value) {
            events.add(new ProducerRecord<>(topic, null, ts, id.getBytes(StandardCharsets.UTF_8), value));
            lastTs = Math.max(lastTs, ts);
            if (topic.equals("clicks")) {
                clickEvents++;
            } else if (topic.equals("conversions")) {
                conversionEvents++;
            }
        }

        /** What the job must train on, from the generator's labels (its windows are the job's). */
        private void account(Impression imp, Click click, Conversion conv, LabeledSample s) {
            if (click != null && click.ts < horizon && s.click == 0) {
                expectDeadLetter(click.impressionId, click.ts, "CLICK_OUTSIDE_WINDOW");
            }
            if (conv != null && conv.ts < horizon && s.conversion == 0) {
                expectDeadLetter(conv.impressionId, conv.ts,
                        s.click == 0 ? "CONVERSION_WITHOUT_CLICK" : "CONVERSION_OUTSIDE_WINDOW");
            }
            long h = SampleAudit.hash(s.id);
            impressions++;
            impressionSum += h;
            expectedRows++;
            if (s.click == 1) {
                labeledClicks++;
                clickSum += h;
            }
            if (s.conversion == 1) {
                labeledConversions++;
                conversionSum += h;
                // es-dfm (the default policy): a conversion later than ts_click + c comes as a second row.
                if (conv.ts > click.ts + LABELING_ELAPSED.toMillis()) {
                    expectedRows++;
                }
            }
        }

        private void expectDeadLetter(String id, long ts, String reason) {
            expectedDeadLetters.computeIfAbsent(id + "@" + ts, k -> new TreeSet<>())
                    .addAll(List.of(reason, "UNKNOWN_IMPRESSION"));
        }

        Map<String, Object> expectedAudit() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", SampleAudit.VERSION);
            m.put("complete", true);
            m.put("rows", expectedRows);
            m.put("impressions", impressions);
            m.put("impression_checksum", SampleAudit.hex(impressionSum));
            m.put("clicks", labeledClicks);
            m.put("click_checksum", SampleAudit.hex(clickSum));
            m.put("conversions", labeledConversions);
            m.put("conversion_checksum", SampleAudit.hex(conversionSum));
            return normalise(m);
        }

        /** Numbers as Jackson reads them back from a manifest (int where they fit), so that maps compare equal. */
        @SuppressWarnings("unchecked")
        private static Map<String, Object> normalise(Map<String, Object> m) {
            try {
                ObjectMapper json = new ObjectMapper();
                return json.readValue(json.writeValueAsString(m), LinkedHashMap.class);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void produce(EmbeddedKafkaBroker kafka, int phase) {
            try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
                for (ProducerRecord<byte[], byte[]> r : events.subList(phaseStarts.get(phase),
                        phaseStarts.get(phase + 1))) {
                    p.send(r);
                }
                p.flush();
            }
        }

        /**
         * Events a day after the last generated one, on every partition of the three topics, so that every source
         * split's watermark passes every generated window (ts − out-of-orderness, well past ts_click + aw + lateness).
         * They never produce a row themselves: the impressions' windows stay open, the clicks and conversions
         * belong to unknown impressions (buffered until a watermark that never comes). Still in the past.
         */
        void produceWatermarkPush(EmbeddedKafkaBroker kafka) throws Exception {
            long ts = lastTs + Duration.ofDays(1).toMillis();
            assertThat(ts - OUT_OF_ORDERNESS.toMillis()).isGreaterThan(lastTs + ATTRIBUTION_WINDOW.toMillis()
                    + CLICK_WINDOW.toMillis() + OUT_OF_ORDERNESS.toMillis());
            assertThat(ts).isLessThan(System.currentTimeMillis());
            EventCodec codec = new EventCodec();
            try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    String id = "push-" + partition;
                    p.send(new ProducerRecord<>("impressions", partition, ts, id.getBytes(StandardCharsets.UTF_8),
                            codec.toUtf8(new Impression(id, ts, template.features, null)))).get();
                    p.send(new ProducerRecord<>("clicks", partition, ts, null,
                            codec.toUtf8(new Click(id + "-unknown", ts)))).get();
                    p.send(new ProducerRecord<>("conversions", partition, ts, null,
                            codec.toUtf8(new Conversion(id + "-unknown", ts)))).get();
                }
            }
        }

        private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafkaBroker kafka) {
            return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000), new ByteArraySerializer(),
                    new ByteArraySerializer());
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
