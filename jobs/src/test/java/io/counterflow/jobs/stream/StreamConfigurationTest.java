package io.counterflow.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.jobs.cli.CounterflowCli;
import io.counterflow.jobs.cli.UserError;
import io.counterflow.model.feedback.Labeling;
import io.counterflow.model.settings.Settings;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.operators.join.LabelJoinSettings;
import io.counterflow.operators.train.TrainingSettings;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code stream}'s one configuration: config.yaml, {@code -D} and flags set the same keys, in that order of
 * precedence, and every part of the job is built from the resulting configuration.
 */
class StreamConfigurationTest {
    @TempDir Path dir;

    private static StreamCommand parse(String... args) {
        StreamCommand cmd = new StreamCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    private Configuration clusterConfig(String yaml) throws Exception {
        Files.writeString(dir.resolve("config.yaml"), yaml);
        return GlobalConfiguration.loadConfiguration(dir.toString());
    }

    @Test
    void withOnlyTheRequiredFlagsEveryPartHasItsDeclaredDefaults() throws Exception {
        StreamCommand cmd = parse("--bootstrap-servers", "localhost:1", "--snapshot-path", dir.toString());
        StreamCommand.Job job = cmd.job(cmd.configuration(new Configuration()));
        assertThat(job.join.labeling()).isEqualTo(LabelJoinSettings.defaults().labeling());
        assertThat(job.join.labelingElapsedMs()).isEqualTo(LabelJoinSettings.defaults().labelingElapsedMs());
        assertThat(job.batching.batchSize()).isEqualTo(MiniBatchSettings.BATCH_SIZE.defaultValue());
        assertThat(job.training.backend()).isEqualTo(TrainingSettings.BACKEND.defaultValue());
        assertThat(job.training.model().get(Settings.OBJECTIVE)).isEqualTo(Settings.OBJECTIVE.defaultValue);
        assertThat(job.training.logIntervalMs()).isEqualTo(TrainingSettings.LOG_INTERVAL.defaultValue().toMillis());
    }

    @Test
    void configYamlDynamicPropertiesAndFlagsSetTheSameKeysInThatOrder() throws Exception {
        Configuration yaml = clusterConfig("counterflow:\n"
                + "  kafka:\n    bootstrap-servers: kafka:9092\n"
                + "  snapshot:\n    path: " + dir + "\n"
                + "  labeling:\n    policy: fnw\n"
                + "  batch:\n    size: 128\n"
                + "  train:\n    eval-every: 4\n"
                + "  join:\n    max-buffered-early-events: 7\n"
                + "  model:\n    embedding-dim: 8\n    objective: esmm\n");
        StreamCommand fromYaml = parse();
        StreamCommand.Job a = fromYaml.job(fromYaml.configuration(yaml));
        assertThat(a.join.labeling()).isEqualTo(Labeling.FNW);
        assertThat(a.batching.batchSize()).isEqualTo(128);
        assertThat(a.training.batchCapacity()).isEqualTo(128);
        assertThat(a.training.evalEvery()).isEqualTo(4);
        assertThat(a.join.maxBufferedEarlyEvents()).isEqualTo(7);
        assertThat(a.training.model().get(Settings.EMBEDDING_DIM)).isEqualTo(8);
        assertThat(a.training.model().get(Settings.OBJECTIVE)).isEqualTo("esmm");

        StreamCommand overridden = parse("-D", "counterflow.batch.size=64", "-D", "counterflow.labeling.policy=wait",
                "-Dcounterflow.model.embedding-dim=12", "--labeling", "es-dfm", "--embedding-dim", "16");
        StreamCommand.Job b = overridden.job(overridden.configuration(yaml));
        assertThat(b.batching.batchSize()).isEqualTo(64); // -D over yaml
        assertThat(b.join.labeling()).isEqualTo(Labeling.ES_DFM); // flag over -D
        assertThat(b.training.model().get(Settings.EMBEDDING_DIM)).isEqualTo(16);
        assertThat(b.training.model().get(Settings.OBJECTIVE)).isEqualTo("esmm"); // untouched: yaml
    }

    @Test
    void allowedLatenessFollowsTheWatermarkBoundUnlessSet() {
        StreamCommand cmd = parse("--bootstrap-servers", "b:1", "--snapshot-path", "/x",
                "--watermark-out-of-orderness", "PT2M");
        assertThat(cmd.job(cmd.configuration(new Configuration())).join.allowedLatenessMs()).isEqualTo(120_000L);
        StreamCommand set = parse("--bootstrap-servers", "b:1", "--snapshot-path", "/x",
                "--watermark-out-of-orderness", "PT2M", "--allowed-lateness", "PT5M");
        assertThat(set.job(set.configuration(new Configuration())).join.allowedLatenessMs()).isEqualTo(300_000L);
    }

    @Test
    void checkpointingIsOnByDefaultAndAConfiguredIntervalIsKept() throws Exception {
        Configuration none = new Configuration();
        assertThat(StreamCommand.withSafeDefaults(none, false)).hasSize(1);
        assertThat(none.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofSeconds(StreamCommand.DEFAULT_CHECKPOINT_SECONDS));
        assertThat(none.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isFalse(); // the cluster's

        Configuration yaml = clusterConfig("execution:\n  checkpointing:\n    interval: 10s\n");
        assertThat(StreamCommand.withSafeDefaults(yaml, false)).isEmpty();
        assertThat(yaml.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(10));

        Configuration local = new Configuration();
        StreamCommand.withSafeDefaults(local, true);
        assertThat(local.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("file:");

        // Object reuse and a 50 ms watermark interval are the job's defaults; a user's explicit values stay.
        assertThat(none.get(org.apache.flink.configuration.PipelineOptions.OBJECT_REUSE)).isTrue();
        assertThat(none.get(org.apache.flink.configuration.PipelineOptions.AUTO_WATERMARK_INTERVAL))
                .isEqualTo(Duration.ofMillis(50));
        Configuration off = clusterConfig("pipeline:\n  object-reuse: false\n  auto-watermark-interval: 1s\n");
        StreamCommand.withSafeDefaults(off, false);
        assertThat(off.get(org.apache.flink.configuration.PipelineOptions.OBJECT_REUSE)).isFalse();
        assertThat(off.get(org.apache.flink.configuration.PipelineOptions.AUTO_WATERMARK_INTERVAL))
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void missingRequiredSettingsAndBadValuesAreOneLineUserErrors() {
        StreamCommand noServers = parse("--snapshot-path", "/x");
        assertThatThrownBy(() -> noServers.job(noServers.configuration(new Configuration())))
                .isInstanceOf(UserError.class).hasMessageContaining("--bootstrap-servers")
                .hasMessageContaining("counterflow.kafka.bootstrap-servers");
        StreamCommand noPath = parse("--bootstrap-servers", "b:1");
        assertThatThrownBy(() -> noPath.job(noPath.configuration(new Configuration())))
                .isInstanceOf(UserError.class).hasMessageContaining("counterflow.snapshot.path");
        StreamCommand badKey = parse("--bootstrap-servers", "b:1", "--snapshot-path", "/x",
                "-Dcounterflow.join.click-window=0s");
        assertThatThrownBy(() -> badKey.job(badKey.configuration(new Configuration())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("counterflow.join.click-window must be positive");

        StringWriter err = new StringWriter();
        CommandLine cl = CounterflowCli.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("stream", "--bootstrap-servers", "b:1", "--snapshot-path", dir.toString(),
                "--batch-size", "0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().trim()).doesNotContain("\n").contains("counterflow.batch.size");
    }

    @Test
    void theHelpListsEveryFlagWithItsKeyAndDefault() {
        StringWriter out = new StringWriter();
        CommandLine cl = CounterflowCli.commandLine();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("stream", "--help")).isZero();
        String help = out.toString().replaceAll("\\s+", ""); // picocli wraps lines anywhere
        for (var f : StreamCommand.FLAGS.flags()) {
            assertThat(help).contains(f.name()).contains("[" + f.key() + ";");
        }
        assertThat(help).contains("[counterflow.labeling.policy;default:" + LabelJoinSettings.DEFAULT_LABELING_POLICY
                + "]");
        assertThat(help).contains("[counterflow.join.attribution-window;default:P7D]");
        assertThat(help).contains("[counterflow.model.objective;default:" + Settings.OBJECTIVE.defaultValue + "]");
    }
}
