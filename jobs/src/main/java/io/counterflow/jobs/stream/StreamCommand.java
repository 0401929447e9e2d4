package io.counterflow.jobs.stream;

import io.counterflow.connectors.kafka.CounterflowKafkaSources;
import io.counterflow.connectors.kafka.DeadLetterSink;
import io.counterflow.connectors.snapshot.ModelVersionSink;
import io.counterflow.jobs.cli.CliInputs;
import io.counterflow.jobs.cli.ModelOptions;
import io.counterflow.jobs.cli.SettingFlags;
import io.counterflow.jobs.cli.UserError;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.operators.join.LabelJoinSettings;
import io.counterflow.operators.join.LabelingPolicy;
import io.counterflow.operators.train.TrainingProgress;
import io.counterflow.operators.train.TrainingSettings;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code counterflow stream}: the streaming learner against a real Kafka and Flink cluster ({@code flink run
 * jobs/target/counterflow-jobs.jar stream ...}) or, run by {@code bin/counterflow}, in-process.
 *
 * <h2>One configuration</h2>
 * Every setting of the job is a configuration key, declared once with its default and validation by the component
 * it belongs to (the Kafka sources, the label join, the batcher, the trainer, the publisher; the model's settings in
 * {@code Settings} as {@code counterflow.model.<name>}). The job's {@link Configuration} is, in increasing
 * precedence: the cluster's configuration (the config.yaml {@code flink run} loads, with its {@code -D} dynamic
 * properties; locally the config.yaml in {@code $FLINK_CONF_DIR} when set), this command's {@code -D key=value},
 * then its flags, each of which is only another name for one key ({@link #FLAGS}). Every settings object is built
 * from that {@link Configuration} alone, and the same {@link Configuration} configures the environment
 * (checkpointing, state backend, restart strategy).
 *
 * <h2>Safe defaults</h2>
 * Models are published at completed checkpoints, so checkpointing is always on: when {@code
 * execution.checkpointing.interval} is not configured, the job checkpoints every {@value #DEFAULT_CHECKPOINT_SECONDS}
 * s and says so. Run in-process, it prints a progress line every few seconds; on a cluster the trainer logs one
 * every {@code counterflow.train.log-interval}.
 */
@Command(name = "stream", mixinStandardHelpOptions = true, modelTransformer = StreamCommand.Flags.class,
        sortOptions = false,
        description = {"Run the streaming learner: Kafka impressions/clicks/conversions -> event-time label join ->"
                + " mini-batches -> online training; publishes a model version per completed checkpoint.",
            "Every option is a configuration key (shown in brackets); config.yaml and -D key=value set the same keys"
                + " (docs/configuration.md lists them all). Precedence: option, -D, config.yaml, default."})
public final class StreamCommand implements Callable<Integer> {
    /** Checkpoint interval applied when the configuration sets none: a first model version within a minute. */
    public static final int DEFAULT_CHECKPOINT_SECONDS = 30;

    /** Every flag of this command and the key it sets. */
    public static final SettingFlags FLAGS = new SettingFlags()
            .bind("--bootstrap-servers", CounterflowKafkaSources.BOOTSTRAP_SERVERS.option(), String.class,
                    SettingFlags.text(CounterflowKafkaSources.BOOTSTRAP_SERVERS.option()), "(none)")
            .bind("--group-id", CounterflowKafkaSources.GROUP_ID.option())
            .bind("--impressions-topic", CounterflowKafkaSources.IMPRESSIONS_TOPIC.option())
            .bind("--clicks-topic", CounterflowKafkaSources.CLICKS_TOPIC.option())
            .bind("--conversions-topic", CounterflowKafkaSources.CONVERSIONS_TOPIC.option())
            .bind("--watermark-out-of-orderness", CounterflowKafkaSources.OUT_OF_ORDERNESS.option())
            .bind("--watermark-idleness", CounterflowKafkaSources.IDLENESS.option())
            .bind("--max-future-skew", CounterflowKafkaSources.MAX_FUTURE_SKEW.option())
            .bind("--dead-letter-topic", DeadLetterSink.TOPIC.option())
            .bind("--dead-letter-guarantee", DeadLetterSink.GUARANTEE.option())
            .bind("--click-window", LabelJoinSettings.CLICK_WINDOW.option())
            .bind("--attribution-window", LabelJoinSettings.ATTRIBUTION_WINDOW.option())
            .bind("--allowed-lateness", LabelJoinSettings.ALLOWED_LATENESS.option(), Duration.class,
                    SettingFlags.text(LabelJoinSettings.ALLOWED_LATENESS.option()),
                    "the watermark out-of-orderness")
            .bind("--max-buffered-early-events", LabelJoinSettings.MAX_BUFFERED_EARLY_EVENTS.option())
            .bind("--labeling", LabelJoinSettings.LABELING_POLICY.option())
            .bind("--labeling-elapsed", LabelJoinSettings.LABELING_ELAPSED.option())
            .bind("--batch-size", MiniBatchSettings.BATCH_SIZE.option())
            .bind("--batch-max-delay", MiniBatchSettings.MAX_DELAY.option())
            .bind("--mixing-buffer", MiniBatchSettings.MIXING_BUFFER.option())
            .bind("--mixing-seed", MiniBatchSettings.MIXING_SEED.option())
            .bind("--backend", TrainingSettings.BACKEND.option())
            .bind("--categorical-fields", TrainingSettings.CATEGORICAL_FIELDS.option())
            .bind("--multi-valued-fields", TrainingSettings.MULTI_VALUED_FIELDS.option())
            .bind("--numeric-fields", TrainingSettings.NUMERIC_FIELDS.option())
            .bind("--eval-window", TrainingSettings.EVAL_WINDOW.option())
            .bind("--eval-every", TrainingSettings.EVAL_EVERY.option())
            .bind("--log-interval", TrainingSettings.LOG_INTERVAL.option())
            .bind("--staging-dir", TrainingSettings.STAGING_DIR.option())
            .bind("--snapshot-path", ModelVersionSink.BASE_PATH.option(), String.class,
                    SettingFlags.text(ModelVersionSink.BASE_PATH.option()), "(none)")
            .bind("--keep", ModelVersionSink.KEEP.option())
            .bind("--model-updates-topic", ModelVersionSink.ANNOUNCE_TOPIC.option())
            .bind("--checkpoint-interval", CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.class,
                    "Checkpoint interval; a model version is published at every completed checkpoint.",
                    "the cluster's, else PT" + DEFAULT_CHECKPOINT_SECONDS + "S")
            .bind("--checkpoint-dir", CheckpointingOptions.CHECKPOINTS_DIRECTORY, String.class,
                    "Checkpoint directory (any Flink file-system URI). The model state is tens of MB, over the 5 MB"
                            + " limit of in-memory checkpoint storage.",
                    "the cluster's; run in-process, a directory under java.io.tmpdir")
            .bind("--parallelism", CoreOptions.DEFAULT_PARALLELISM, Integer.class,
                    "Parallelism of the sources and the join (the batcher and the trainer run at 1).",
                    "the cluster's");

    /** Adds {@link #FLAGS} and the model flags' keys and defaults to the command's help. */
    public static final class Flags implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            return ModelOptions.describe(FLAGS.addTo(spec));
        }
    }

    @Spec CommandSpec spec;

    @Option(names = "-D", paramLabel = "<key>=<value>", description = "Sets any configuration key, Flink's or"
            + " Counterflow's (docs/configuration.md), repeatable; overrides config.yaml, overridden by the options.")
    Map<String, String> dynamic = new LinkedHashMap<>();

    @Mixin ModelOptions model;

    @Override
    public Integer call() throws Exception {
        StreamExecutionEnvironment cluster = StreamExecutionEnvironment.getExecutionEnvironment();
        boolean local = cluster instanceof LocalStreamEnvironment;
        Configuration conf = configuration(baseConfiguration(cluster, local));
        // The dead-letter sink's guarantee follows the checkpointing the job will have.
        java.util.List<String> notes = withSafeDefaults(conf, local);
        // Every setting is checked before the job starts, so that bad input fails in one line, first.
        Job job = job(conf);
        if (local) {
            CliInputs.backend(job.training.backend()); // it runs here; on a cluster it runs on the TaskManagers
        }
        for (String line : notes) {
            System.err.println("stream: " + line);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        CounterflowStreamJob.Pipeline p = new CounterflowStreamJob(job.sources::addTo, job.deadLetters,
                job.publisher, job.join, job.batching, job.training).build(env);
        if (!local) {
            env.execute("counterflow-stream");
            return 0;
        }
        return runWithProgress(env, p, conf.get(ModelVersionSink.BASE_PATH.option()));
    }

    /**
     * Applies the job's Flink defaults ({@link CounterflowStreamJob#applyDefaults}), turns checkpointing on when the
     * configuration leaves it off, and (in-process) gives checkpoints a directory;
     * returns what it did, one line each.
     */
    static java.util.List<String> withSafeDefaults(Configuration conf, boolean local) throws java.io.IOException {
        java.util.List<String> notes = new java.util.ArrayList<>();
        CounterflowStreamJob.applyDefaults(conf);
        if (!conf.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(DEFAULT_CHECKPOINT_SECONDS));
            notes.add("checkpointing every " + DEFAULT_CHECKPOINT_SECONDS + " s ("
                    + CheckpointingOptions.CHECKPOINTING_INTERVAL.key() + " is not set); a model version is published"
                    + " at every completed checkpoint");
        }
        if (local && !conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            String dir = Files.createTempDirectory("counterflow-checkpoints").toUri().toString();
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
            notes.add("running in-process; checkpoints go to " + dir + " (set --checkpoint-dir to choose)");
        }
        return notes;
    }

    /** The cluster's configuration; in-process, the config.yaml of {@code $FLINK_CONF_DIR} when it is set. */
    static Configuration baseConfiguration(StreamExecutionEnvironment env, boolean local) {
        Configuration base = Configuration.fromMap(env.getConfiguration().toMap());
        String confDir = System.getenv("FLINK_CONF_DIR");
        if (local && confDir != null && !confDir.isBlank()) {
            base.addAll(GlobalConfiguration.loadConfiguration(confDir));
        }
        return base;
    }

    /** {@code base}, then {@code -D}, then the flags given. */
    Configuration configuration(Configuration base) {
        Configuration conf = new Configuration(base);
        for (Map.Entry<String, String> e : dynamic.entrySet()) {
            conf.setString(e.getKey(), e.getValue());
        }
        FLAGS.applyTo(spec.commandLine().getParseResult(), conf);
        if (!conf.contains(LabelJoinSettings.ALLOWED_LATENESS.option())) {
            // Late means behind the watermark by more than the sources' disorder bound.
            conf.set(LabelJoinSettings.ALLOWED_LATENESS.option(),
                    conf.get(CounterflowKafkaSources.OUT_OF_ORDERNESS.option()));
        }
        return conf;
    }

    /** The job's parts, each built from {@code conf} only. */
    Job job(Configuration conf) {
        String bootstrap = conf.get(CounterflowKafkaSources.BOOTSTRAP_SERVERS.option());
        if (bootstrap.isBlank()) {
            throw new UserError("--bootstrap-servers (" + CounterflowKafkaSources.BOOTSTRAP_SERVERS.key()
                    + ") must be set");
        }
        if (conf.get(ModelVersionSink.BASE_PATH.option()).isBlank()) {
            throw new UserError("--snapshot-path (" + ModelVersionSink.BASE_PATH.key() + ") must be set");
        }
        conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).ifPresent(d -> {
            if (d.isNegative() || d.isZero()) {
                throw new UserError("--checkpoint-interval (" + CheckpointingOptions.CHECKPOINTING_INTERVAL.key()
                        + ") must be positive, got " + d);
            }
        });
        conf.getOptional(CoreOptions.DEFAULT_PARALLELISM).ifPresent(n -> CliInputs.atLeast("--parallelism", n, 1));
        Job j = new Job();
        j.sources = CounterflowKafkaSources.fromConfig(conf);
        j.deadLetters = DeadLetterSink.fromConfig(conf);
        j.publisher = ModelVersionSink.fromConfig(conf, bootstrap);
        j.join = LabelJoinSettings.fromConfig(conf);
        LabelingPolicy.of(j.join); // rejects oracle (simulations only) before anything starts
        j.batching = MiniBatchSettings.fromConfig(conf);
        j.training = TrainingSettings.builder(conf, model.toSettings(conf)).build();
        return j;
    }

    /** The parts of the job a configuration describes. */
    static final class Job {
        CounterflowKafkaSources sources;
        org.apache.flink.api.connector.sink2.Sink<io.counterflow.model.data.DeadLetter> deadLetters;
        org.apache.flink.api.connector.sink2.Sink<io.counterflow.model.snapshot.ModelVersion> publisher;
        LabelJoinSettings join;
        MiniBatchSettings batching;
        TrainingSettings training;
    }

    /** In-process: runs the job and prints a progress line every 5 s until it ends (Ctrl-C stops it). */
    private static int runWithProgress(StreamExecutionEnvironment env, CounterflowStreamJob.Pipeline p,
            String snapshotPath) throws Exception {
        long start = System.nanoTime();
        try (CloseableIterator<TrainingProgress> it = p.progress.collectAsync()) {
            JobClient client = env.executeAsync("counterflow-stream");
            System.err.println("stream: job " + client.getJobID() + " running; model versions go to " + snapshotPath);
            long lastPrint = 0;
            TrainingProgress last = null;
            while (it.hasNext()) {
                last = it.next();
                long now = System.nanoTime();
                if (now - lastPrint > 5_000_000_000L) {
                    lastPrint = now;
                    System.out.println(progressLine(last, (now - start) / 1e9, snapshotPath));
                }
            }
            JobExecutionResult result = client.getJobExecutionResult().get();
            if (last != null) {
                System.out.println(progressLine(last, (System.nanoTime() - start) / 1e9, snapshotPath));
            }
            return result.getNetRuntime() < 0 ? 1 : 0;
        }
    }

    static String progressLine(TrainingProgress p, double seconds, String snapshotPath) {
        String latest;
        try {
            org.apache.flink.core.fs.Path l = io.counterflow.connectors.snapshot.PublicationRoot.latest(snapshotPath);
            latest = l == null ? "none yet" : l.getName();
        } catch (java.io.IOException | RuntimeException e) {
            latest = "unknown (" + e.getMessage() + ")";
        }
        return String.format(Locale.ROOT, "[%6.1fs] received %,d samples | trained %,d, %,d steps | %,.0f samples/s"
                + " | loss %.4f | running AUC ctr %.4f cvr %.4f | skipped %d | model %s", seconds, p.seenSamples,
                p.trainedSamples, p.step, p.trainedSamples / Math.max(seconds, 1e-9), p.loss, p.runningAucCtr,
                p.runningAucCvr, p.skippedBatches, latest);
    }
}
