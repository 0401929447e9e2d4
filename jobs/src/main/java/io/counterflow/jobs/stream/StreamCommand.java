package io.counterflow.jobs.stream;

import io.counterflow.connectors.kafka.CounterflowKafkaSources;
import io.counterflow.connectors.kafka.DeadLetterSink;
import io.counterflow.connectors.snapshot.FileSystemSnapshotPublisher;
import io.counterflow.jobs.cli.CliInputs;
import io.counterflow.jobs.cli.ModelOptions;
import io.counterflow.jobs.cli.UserError;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.operators.join.LabelJoinSettings;
import io.counterflow.operators.join.LabelingPolicy;
import io.counterflow.operators.train.SnapshotPublisher;
import io.counterflow.operators.train.TrainingSettings;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code counterflow stream}: the streaming learner against a real Kafka and Flink cluster ({@code flink run
 * jobs/target/counterflow-jobs.jar stream ...}). Checkpoint storage, state backend, restart strategy and metric
 * reporters come from the cluster's configuration ({@code flink-conf/config.yaml}); only the checkpoint interval
 * can be set here, for convenience.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Run the streaming learner: Kafka impressions/clicks/conversions -> event-time label join ->"
                + " mini-batches -> online training; publishes a model version per completed checkpoint.")
public final class StreamCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--group-id", defaultValue = "counterflow", description = "Consumer group (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--impressions-topic", defaultValue = "impressions", description = "Default: ${DEFAULT-VALUE}.")
    String impressionsTopic;

    @Option(names = "--clicks-topic", defaultValue = "clicks", description = "Default: ${DEFAULT-VALUE}.")
    String clicksTopic;

    @Option(names = "--conversions-topic", defaultValue = "conversions", description = "Default: ${DEFAULT-VALUE}.")
    String conversionsTopic;

    @Option(names = "--dead-letter-topic", defaultValue = "counterflow-dead-letters",
            description = "Topic of rejected records with their reason (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    @Option(names = "--model-updates-topic", defaultValue = "",
            description = "Announce every published model version on this topic (JSON); empty: none.")
    String modelUpdatesTopic;

    @Option(names = "--click-window", defaultValue = "PT30M", description = "ISO-8601 duration (default: ${DEFAULT-VALUE}).")
    Duration clickWindow;

    @Option(names = "--attribution-window", defaultValue = "P7D", description = "ISO-8601 duration (default: ${DEFAULT-VALUE}).")
    Duration attributionWindow;

    @Option(names = "--labeling", defaultValue = LabelJoinSettings.DEFAULT_LABELING_POLICY,
            description = "Labeling policy of the join: wait (one row per impression when its labels are final),"
                    + " fnw, es-dfm or defer (delayed feedback: a clicked impression's row early, corrected later);"
                    + " the trainer weights its rows for the same policy (default: ${DEFAULT-VALUE}, the winner of"
                    + " docs/delayed-feedback.md).")
    String labeling;

    @Option(names = "--labeling-elapsed", defaultValue = LabelJoinSettings.DEFAULT_LABELING_ELAPSED,
            description = "Elapsed time c of es-dfm and defer: a clicked impression's first row is emitted when the"
                    + " watermark reaches ts_click + c; at most the attribution window (ISO-8601, default:"
                    + " ${DEFAULT-VALUE}).")
    Duration labelingElapsed;

    @Option(names = "--watermark-out-of-orderness", defaultValue = "PT10M",
            description = "Bound of event-time disorder per source partition (default: ${DEFAULT-VALUE}).")
    Duration outOfOrderness;

    @Option(names = "--watermark-idleness", defaultValue = "PT1M",
            description = "A partition without records this long is idle (default: ${DEFAULT-VALUE}).")
    Duration idleness;

    @Option(names = "--allowed-lateness", description = "Default: the watermark out-of-orderness.")
    Duration allowedLateness;

    @Option(names = "--batch-size", defaultValue = "256", description = "Samples per mini-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--batch-max-delay", defaultValue = "PT1S",
            description = "Emit a smaller batch after this long, processing time (default: ${DEFAULT-VALUE}).")
    Duration batchMaxDelay;

    @Option(names = "--mixing-buffer", defaultValue = "0", description = "Mixing buffer in samples: batches are"
            + " drawn at random from it, spreading bursts of one label kind; size it to several times the bursts;"
            + " 0: off (default: ${DEFAULT-VALUE}).")
    int mixingBuffer;

    @Option(names = "--mixing-seed", defaultValue = "0", description = "Seed of the mixing draws (default: ${DEFAULT-VALUE}).")
    long mixingSeed;

    @Option(names = "--backend", defaultValue = "openblas", description = "openblas, java, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--categorical-fields", split = ",", description = "Feature fields; all three unset: inferred from the first batch.")
    List<String> categoricalFields = List.of();

    @Option(names = "--multi-valued-fields", split = ",")
    List<String> multiValuedFields = List.of();

    @Option(names = "--numeric-fields", split = ",")
    List<String> numericFields = List.of();

    @Option(names = "--snapshot-path", required = true,
            description = "Where model versions and LATEST are published: a path or Flink file-system URI.")
    String snapshotPath;

    @Option(names = "--keep", defaultValue = "5", description = "Model versions to keep (default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(names = "--checkpoint-interval", description = "Overrides execution.checkpointing.interval, e.g. PT30S.")
    Duration checkpointInterval;

    @Option(names = "--checkpoint-dir", description = "Checkpoint directory (any Flink FileSystem URI). Default: the "
            + "cluster's state.checkpoints.dir; when run locally by bin/counterflow, a directory under java.io.tmpdir "
            + "(the model state is tens of MB, over the 5 MB limit of in-memory checkpoint storage).")
    String checkpointDir;

    @Option(names = "--parallelism", description = "Parallelism of sources and join (default: the cluster's).")
    Integer parallelism;

    @Mixin ModelOptions model;

    @Override
    public Integer call() throws Exception {
        // Every setting is checked before the environment starts, so that bad input fails in one line, first.
        CounterflowKafkaSources sources = CounterflowKafkaSources.builder().bootstrapServers(bootstrapServers)
                .groupId(groupId).impressionsTopic(impressionsTopic).clicksTopic(clicksTopic)
                .conversionsTopic(conversionsTopic).outOfOrderness(outOfOrderness).idleness(idleness).build();
        SnapshotPublisher publisher = modelUpdatesTopic.isBlank()
                ? FileSystemSnapshotPublisher.of(snapshotPath, keep)
                : FileSystemSnapshotPublisher.announcing(snapshotPath, keep, bootstrapServers, modelUpdatesTopic);
        var deadLetters = DeadLetterSink.kafka(bootstrapServers, deadLetterTopic);
        LabelJoinSettings join = joinSettings();
        LabelingPolicy.of(join); // rejects oracle (simulations only) before anything starts
        MiniBatchSettings batching = new MiniBatchSettings(batchSize, batchMaxDelay, mixingBuffer, mixingSeed);
        TrainingSettings training = trainingSettings();
        if (checkpointInterval != null && (checkpointInterval.isNegative() || checkpointInterval.isZero())) {
            throw new UserError("--checkpoint-interval must be positive, got " + checkpointInterval);
        }
        if (parallelism != null) {
            CliInputs.atLeast("--parallelism", parallelism, 1);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        boolean local = env instanceof org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
        if (local) {
            CliInputs.backend(backend); // the backend runs here; on a cluster it runs on the TaskManagers
        }
        if (checkpointInterval != null) {
            env.enableCheckpointing(checkpointInterval.toMillis());
        }
        if (parallelism != null) {
            env.setParallelism(parallelism);
        }
        String dir = checkpointDir;
        if (dir == null && local) {
            dir = java.nio.file.Files.createTempDirectory("counterflow-checkpoints").toUri().toString();
            System.err.println("stream: running locally; checkpoints go to " + dir + " (set --checkpoint-dir to choose)");
        }
        if (dir != null) {
            org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
            conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
            env.configure(conf);
        }
        CounterflowStreamJob job = new CounterflowStreamJob(sources::addTo, deadLetters, publisher, join, batching,
                training);
        job.build(env);
        env.execute("counterflow-stream");
        return 0;
    }

    LabelJoinSettings joinSettings() {
        return LabelJoinSettings.builder().clickWindow(clickWindow).attributionWindow(attributionWindow)
                .allowedLateness(allowedLateness != null ? allowedLateness : outOfOrderness).labeling(labeling)
                .labelingElapsed(labelingElapsed).build();
    }

    TrainingSettings trainingSettings() {
        return TrainingSettings.builder().backend(backend).batchCapacity(batchSize)
                .categoricalFields(categoricalFields).multiValuedFields(multiValuedFields).numericFields(numericFields)
                .model(model.toSettings()).build();
    }
}
