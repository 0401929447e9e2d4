package io.counterflow.jobs.stream;

import io.counterflow.connectors.kafka.CounterflowKafkaSources;
import io.counterflow.connectors.kafka.DeadLetterSink;
import io.counterflow.connectors.kafka.EmbeddedKafkaBroker;
import io.counterflow.connectors.snapshot.ModelVersionSink;
import io.counterflow.connectors.snapshot.PublicationRoot;
import io.counterflow.jobs.cli.CliInputs;
import io.counterflow.jobs.cli.ModelOptions;
import io.counterflow.jobs.cli.UserError;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.metrics.Evaluation;
import io.counterflow.model.metrics.EvaluationResult;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.sim.EventSink;
import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelSnapshot;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.operators.join.LabelJoinSettings;
import io.counterflow.operators.join.LabelingPolicy;
import io.counterflow.operators.train.TrainingProgress;
import io.counterflow.operators.train.TrainingSettings;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code counterflow demo}: the whole streaming learner on one machine. Starts an in-process Kafka broker and a
 * local Flink MiniCluster with checkpoints, produces generated impressions, clicks and conversions into three
 * topics in event-time order, runs the streaming job with bounded sources until all of them is consumed (the
 * final checkpoint at end of input publishes the final model), prints live progress, then the final snapshot's
 * path and its {@code evaluate} metrics on a held-out generated set.
 *
 * <p>Time is compressed so that labels become final within the generated stream: impressions arrive every
 * 100 ms of event time on average (200k impressions span about 5.5 hours), the click window is 5 minutes and
 * the attribution window 1 hour; the generator's click delays keep their 20 s median and its conversion delays
 * are scaled to medians of 2 minutes (fast) and 20 minutes (slow), so a few conversions still fall outside the
 * attribution window, as in production.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the streaming learner end to end on an in-process Kafka broker and a local Flink"
                + " cluster, then evaluate the final model on held-out generated data.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--impressions", defaultValue = "200000", description = "Generated impressions (default: ${DEFAULT-VALUE}).")
    long impressions;

    @Option(names = "--holdout", defaultValue = "50000", description = "Held-out impressions for evaluation (default: ${DEFAULT-VALUE}).")
    int holdout;

    @Option(names = "--parallelism", defaultValue = "2", description = "Partitions per topic and parallelism of sources and join (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--batch-size", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--mixing-buffer", defaultValue = "32768", description = "Mixing buffer in samples, about the"
            + " samples of one attribution window here; 0: off (default: ${DEFAULT-VALUE}; docs/batching.md).")
    int mixingBuffer;

    @Option(names = "--checkpoint-interval", defaultValue = "PT3S", description = "Default: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    @Option(names = "--backend", defaultValue = "openblas", description = "openblas, java, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--snapshot-path", description = "Where model versions are published (default: a temporary directory).")
    Path snapshotPath;

    @Option(names = "--keep", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
    int keep;

    @Option(names = "--world-seed", defaultValue = "42", description = "Generator world seed (default: ${DEFAULT-VALUE}).")
    long worldSeed;

    @Option(names = "--labeling", defaultValue = LabelJoinSettings.DEFAULT_LABELING_POLICY,
            description = "Labeling policy of the join: wait (one row per impression when its labels are final),"
                    + " fnw, es-dfm or defer (delayed feedback: a clicked impression's row early, corrected later);"
                    + " the trainer weights its rows for the same policy (default: ${DEFAULT-VALUE}, the winner of"
                    + " docs/delayed-feedback.md).")
    String labeling;

    /**
     * The demo compresses time (5-minute click window, 1-hour attribution window), so its elapsed time is
     * compressed too: stream's 15 minutes would hold a clicked impression three click windows, longer than its
     * unclicked neighbours, and release the last quarter hour of clicks in one burst at end of input.
     */
    static final String ELAPSED = "PT2M";

    @Option(names = "--labeling-elapsed", defaultValue = ELAPSED,
            description = "Elapsed time c of es-dfm and defer: a clicked impression's first row is emitted when the"
                    + " watermark reaches ts_click + c; at most the attribution window (ISO-8601, default:"
                    + " ${DEFAULT-VALUE}, the demo's compressed time; stream's default is "
                    + LabelJoinSettings.DEFAULT_LABELING_ELAPSED + ").")
    Duration labelingElapsed;

    @Option(names = "--task-times", description = "Sample per-operator busy/back-pressured/idle time and the"
            + " trainer's trained-samples counter from the local cluster's REST API every second; print where the"
            + " time went and the steady training rate.")
    boolean taskTimes;

    @Option(names = "--kernel-times", description = "Time every kernel of the trainer's steps"
            + " (counterflow.train.kernel-timing) and log milliseconds per step by kernel every 10 s.")
    boolean kernelTimes;

    @Mixin ModelOptions model;

    static final Duration CLICK_WINDOW = Duration.ofMinutes(5);
    static final Duration ATTRIBUTION_WINDOW = Duration.ofHours(1);

    /** The demo's generator: compressed delays and windows (see the class documentation). */
    static GeneratorConfig.Builder generator(long impressions, long worldSeed) {
        return GeneratorConfig.builder().impressions(impressions).seed(worldSeed).meanInterArrivalMs(100)
                .clickDelayMedianMs(20_000).conversionFastMedianMs(2 * 60_000).conversionSlowMedianMs(20 * 60_000)
                .clickWindowMs(CLICK_WINDOW.toMillis()).attributionWindowMs(ATTRIBUTION_WINDOW.toMillis());
    }

    @Override
    public Integer call() throws Exception {
        // Every setting is checked before the broker starts, so that bad input fails in one line, first.
        CliInputs.atLeast("--parallelism", parallelism, 1);
        CliInputs.atLeast("--holdout", holdout, 1);
        CliInputs.atLeast("--keep", keep, 1);
        if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
            throw new UserError("--checkpoint-interval must be positive, got " + checkpointInterval);
        }
        CliInputs.backend(backend);
        if (snapshotPath != null) {
            CliInputs.outputDirectory("--snapshot-path", snapshotPath);
        }
        GeneratorConfig world = generator(impressions, worldSeed).build();
        LabelJoinSettings join = LabelJoinSettings.builder().clickWindow(CLICK_WINDOW)
                .attributionWindow(ATTRIBUTION_WINDOW).allowedLateness(Duration.ofMinutes(1)).labeling(labeling)
                .labelingElapsed(labelingElapsed).build();
        LabelingPolicy.of(join); // rejects oracle (simulations only) before the broker starts
        MiniBatchSettings batching = new MiniBatchSettings(batchSize, Duration.ofSeconds(1), mixingBuffer,
                MiniBatchSettings.MIXING_SEED.defaultValue());
        Settings settings = model.toSettings();
        if (settings.get(Settings.BUCKETS).equals(Settings.BUCKETS.defaultValue)) {
            settings.set(Settings.BUCKETS, 1 << 16); // the demo world has 12k users+items: keep checkpoints small
        }
        TrainingSettings.Builder trainingBuilder = TrainingSettings.builder().backend(backend)
                .batchCapacity(batchSize).model(settings);
        if (kernelTimes) {
            trainingBuilder.kernelTiming(true).logInterval(Duration.ofSeconds(10));
        }
        TrainingSettings training = trainingBuilder.build();

        Path snapshots = snapshotPath != null ? snapshotPath : Files.createTempDirectory("counterflow-demo-models-");
        Path checkpoints = Files.createTempDirectory("counterflow-demo-checkpoints-");
        System.out.println("Starting an in-process Kafka broker...");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            kafka.createTopics(parallelism, "impressions", "clicks", "conversions");
            kafka.createTopics(1, "counterflow-dead-letters", "model-updates");
            long t0 = System.nanoTime();
            long events = produce(kafka.bootstrapServers(), new Generator(world));
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "Produced %,d events (%,d impressions) in %.1f s into impressions, clicks,"
                    + " conversions (%d partitions each)%n", events, impressions, secs, parallelism);

            int restPort = freePort();
            StreamExecutionEnvironment env = environment(checkpoints, restPort);
            CounterflowKafkaSources sources = CounterflowKafkaSources.builder()
                    .bootstrapServers(kafka.bootstrapServers()).groupId("counterflow-demo")
                    .startingOffsets(OffsetsInitializer.earliest()).bounded(OffsetsInitializer.latest())
                    .outOfOrderness(Duration.ofMinutes(1)).idleness(Duration.ofSeconds(30)).build();
            CounterflowStreamJob job = new CounterflowStreamJob(sources::addTo,
                    DeadLetterSink.fromConfig(deadLetterConfig(kafka.bootstrapServers())),
                    ModelVersionSink.announcing(snapshots.toString(), keep, kafka.bootstrapServers(),
                            "model-updates"),
                    join, batching, training);
            CounterflowStreamJob.Pipeline p = job.build(env);
            System.out.println("Running the streaming job (Kafka -> label join -> mini-batches -> training),"
                    + " checkpoint every " + checkpointInterval.toMillis() + " ms...");
            long start = System.nanoTime();
            TrainingProgress last = null;
            try (CloseableIterator<TrainingProgress> it = p.progress.collectAsync()) {
                JobClient client = env.executeAsync("counterflow-demo");
                TaskTimeSampler sampler = new TaskTimeSampler(restPort, client.getJobID().toHexString());
                if (taskTimes) {
                    sampler.start();
                }
                long lastPrint = 0;
                while (it.hasNext()) {
                    last = it.next();
                    long now = System.nanoTime();
                    if (now - lastPrint > 2_000_000_000L) {
                        lastPrint = now;
                        System.out.println(progressLine(last, impressions, (now - start) / 1e9));
                    }
                }
                if (taskTimes) {
                    sampler.stop();
                    System.out.print(sampler.summary());
                }
                JobExecutionResult result = client.getJobExecutionResult().get();
                double wall = (System.nanoTime() - start) / 1e9;
                if (last != null) {
                    System.out.println(progressLine(last, impressions, wall));
                }
                System.out.printf(Locale.ROOT, "Job finished in %.1f s: %,.0f impressions/s end to end (Kafka ->"
                        + " join -> training, including job start-up)%n", wall, impressions / wall);
                if (result.getNetRuntime() < 0) {
                    return 1;
                }
            }

            org.apache.flink.core.fs.Path latest = PublicationRoot.latest(snapshots.toString());
            if (latest == null) {
                System.err.println("demo: no model was published under " + snapshots);
                return 1;
            }
            Path dir = Paths.get(latest.toUri().getPath());
            System.out.println("Final model snapshot: " + dir);
            EvaluationResult r = evaluate(dir, holdoutSamples());
            System.out.println("Held-out evaluation (" + holdout + " generated impressions): " + r.toJson());
        } finally {
            deleteQuietly(checkpoints);
        }
        return 0;
    }

    /** Exactly-once dead letters, as the streaming job has them: the demo checkpoints in EXACTLY_ONCE mode. */
    private Configuration deadLetterConfig(String bootstrapServers) {
        Configuration c = new Configuration();
        c.set(io.counterflow.connectors.kafka.CounterflowKafkaSources.BOOTSTRAP_SERVERS.option(), bootstrapServers);
        c.set(DeadLetterSink.TOPIC.option(), "counterflow-dead-letters");
        c.set(io.counterflow.connectors.kafka.CounterflowKafkaSources.GROUP_ID.option(), "counterflow-demo");
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        return c;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private StreamExecutionEnvironment environment(Path checkpoints, int restPort) {
        Configuration conf = new Configuration();
        conf.set(org.apache.flink.configuration.RestOptions.PORT, restPort);
        conf.set(org.apache.flink.configuration.RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        CounterflowStreamJob.applyDefaults(conf);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        env.enableCheckpointing(checkpointInterval.toMillis());
        return env;
    }

    static String progressLine(TrainingProgress p, long impressions, double seconds) {
        return String.format(Locale.ROOT, "[%6.1fs] labeled %,d/%,d impressions (%.0f%%) | trained %,d samples,"
                + " %,d steps | %,.0f samples/s | loss %.4f | running AUC ctr %.4f cvr %.4f | skipped %d",
                seconds, p.seenSamples, impressions, 100.0 * p.seenSamples / impressions, p.trainedSamples, p.step,
                p.trainedSamples / Math.max(seconds, 1e-9), p.loss, p.runningAucCtr, p.runningAucCvr,
                p.skippedBatches);
    }

    /** Produces the generator's events into the three topics, in event-time order, keyed by impression id. */
    static long produce(String bootstrapServers, Generator generator) throws IOException {
        EventCodec codec = new EventCodec();
        long[] count = {0};
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            generator.forEachEvent(new EventSink() {
                @Override
                public void impression(Impression i) {
                    send("impressions", i.id, codec.toUtf8(i));
                }

                @Override
                public void click(Click c) {
                    send("clicks", c.impressionId, codec.toUtf8(c));
                }

                @Override
                public void conversion(Conversion c) {
                    send("conversions", c.impressionId, codec.toUtf8(c));
                }

                private void send(String topic, String key, byte[] value) {
                    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
                    count[0]++;
                }
            });
            producer.flush();
        }
        return count[0];
    }

    private List<LabeledSample> holdoutSamples() throws IOException {
        List<LabeledSample> out = new ArrayList<>();
        new Generator(generator(holdout, worldSeed).streamSeed(7_777).idPrefix("holdout-").startTs(1_800_000_000_000L).build())
                .forEach((imp, click, conv, sample) -> out.add(sample));
        return out;
    }

    /** The {@code evaluate} metrics of the snapshot in {@code dir} on {@code samples}. */
    static EvaluationResult evaluate(Path dir, List<LabeledSample> samples) throws IOException {
        LabeledSample[] s = samples.toArray(new LabeledSample[0]);
        float[] ctr = new float[s.length];
        float[] cvr = new float[s.length];
        try (CvrScorer scorer = ModelSnapshot.load(dir)) {
            scorer.score(s, s.length, ctr, cvr);
        }
        Evaluation e = new Evaluation();
        for (int i = 0; i < s.length; i++) {
            e.add(s[i], ctr[i], cvr[i]);
        }
        return e.result();
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
