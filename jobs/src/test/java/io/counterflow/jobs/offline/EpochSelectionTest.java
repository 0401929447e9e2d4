package io.counterflow.jobs.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.counterflow.jobs.cli.CounterflowCli;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.metrics.EvaluationResult;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Epoch selection and early stopping of offline training with a validation file. The fixture overfits on purpose:
 * 3,000 generated samples, 2,000 held out, and a learning rate of 0.05 for every parameter, with which the held-out
 * CTCVR log-loss is best after epoch 1 and worse after every later one (0.040, 0.072, 0.093 on the Java backend).
 * The kept model must then be epoch 1's, bit for bit: evaluating it again gives exactly epoch 1's printed metrics.
 */
class EpochSelectionTest {
    @TempDir static Path tmp;
    static Path train;
    static Path validation;

    @BeforeAll
    static void data() throws Exception {
        new Generator(GeneratorConfig.builder().impressions(3000).seed(5).build()).writeTo(tmp.resolve("train"));
        new Generator(GeneratorConfig.builder().impressions(2000).seed(5).streamSeed(2).idPrefix("va-").build())
                .writeTo(tmp.resolve("validation"));
        train = tmp.resolve("train/samples.jsonl");
        validation = tmp.resolve("validation/samples.jsonl");
    }

    private static Settings overfitting() {
        Settings s = new Settings();
        s.setFromString("objective", "esmm");
        s.setFromString("towers", "16,8");
        s.set(Settings.BUCKETS, 4096);
        s.set(Settings.LEARNING_RATE, 0.05);
        s.set(Settings.EMBEDDING_LEARNING_RATE, 0.05);
        return s;
    }

    private static OfflineTrainer trainer(Backend be, ByteArrayOutputStream log) {
        return new OfflineTrainer(overfitting(), be, 128, Set.of(), new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @Test
    void keepsTheBestEpochAndStopsWhenPatienceRunsOut() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Backend be = Backends.create("java")) {
            OfflineTrainer t = trainer(be, log).select(SelectMetric.CTCVR_LOGLOSS, 2);
            try (CvrModel m = t.train(train, 6, validation)) {
                // The fixture's premise: epoch 1 is best and each later epoch is worse.
                assertThat(t.epochMetric).hasSize(3);
                assertThat(t.epochMetric.get(1)).isGreaterThan(t.epochMetric.get(0));
                assertThat(t.epochMetric.get(2)).isGreaterThan(t.epochMetric.get(0));
                assertThat(t.keptEpoch).isEqualTo(1);
                assertThat(t.epochsRun).isEqualTo(3);
                assertThat(t.stoppedEarly).isTrue();
                assertThat(m.step()).as("counters are the kept epoch's").isEqualTo(24);
                EvaluationResult again = OfflineTrainer.evaluate(m, validation, Set.of(), null);
                assertThat(again.toJson()).isEqualTo(t.epochResults.get(0).toJson());
                assertThat(again.toJson()).isNotEqualTo(t.epochResults.get(2).toJson());
            }
        }
        String out = log.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("stopping after epoch 3 of 6: ctcvr-logloss did not improve for 2 epochs")
                .contains("kept epoch 1 of 3 run: best ctcvr-logloss");
    }

    @Test
    void lastKeepsTheLastEpochAndWithoutPatienceEveryEpochRuns() throws Exception {
        try (Backend be = Backends.create("java")) {
            OfflineTrainer t = trainer(be, new ByteArrayOutputStream()).select(SelectMetric.LAST, 0);
            try (CvrModel m = t.train(train, 3, validation)) {
                assertThat(t.keptEpoch).isEqualTo(3);
                assertThat(t.epochsRun).isEqualTo(3);
                assertThat(t.stoppedEarly).isFalse();
                assertThat(OfflineTrainer.evaluate(m, validation, Set.of(), null).toJson())
                        .isEqualTo(t.epochResults.get(2).toJson());
            }
            OfflineTrainer all = trainer(be, new ByteArrayOutputStream()).select(SelectMetric.CTCVR_LOGLOSS, 0);
            try (CvrModel m = all.train(train, 3, validation)) {
                assertThat(all.epochsRun).isEqualTo(3);
                assertThat(all.keptEpoch).isEqualTo(1);
                assertThat(OfflineTrainer.evaluate(m, validation, Set.of(), null).toJson())
                        .isEqualTo(all.epochResults.get(0).toJson());
            }
        }
    }

    @Test
    void theWrittenSnapshotIsTheKeptEpochs() throws Exception {
        Path out = tmp.resolve("model");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new CounterflowCli()).execute("train", "--samples", train.toString(), "--validation",
                    validation.toString(), "--objective", "esmm", "--backend", "java", "--towers", "16,8", "--buckets",
                    "4096", "--batch-size", "128", "--lr", "0.05", "--embedding-lr", "0.05", "--epochs", "4",
                    "--patience", "2", "--model-out", out.toString());
        } finally {
            System.setOut(saved);
        }
        assertThat(rc).isZero();
        String log = stdout.toString(StandardCharsets.UTF_8);
        String epoch1 = log.lines().filter(l -> l.startsWith("epoch 1 validation: ")).findFirst().orElseThrow()
                .substring("epoch 1 validation: ".length());
        assertThat(log).contains("(epoch 1 of 3 kept by ctcvr-logloss)");
        ObjectMapper json = new ObjectMapper();
        JsonNode info = json.readTree(out.resolve("manifest.json").toFile()).get("info");
        assertThat(info.at("/selection/kept_epoch").asInt()).isEqualTo(1);
        assertThat(info.at("/selection/epochs_run").asInt()).isEqualTo(3);
        assertThat(info.at("/selection/stopped_early").asBoolean()).isTrue();
        assertThat(info.get("validation")).isEqualTo(json.readTree(epoch1));
        try (Backend be = Backends.create("java"); CvrModel m = ModelSnapshot.read(out, be, 128)) {
            assertThat(json.readTree(OfflineTrainer.evaluate(m, validation, Set.of(), null).toJson()))
                    .isEqualTo(json.readTree(epoch1));
        }
    }

    @Test
    void metricDirectionsTiesAndNaN() {
        assertThat(SelectMetric.CTCVR_AUC.improves(0.61, 0.60)).isTrue();
        assertThat(SelectMetric.CTCVR_AUC.improves(0.60, 0.60)).as("a tie keeps the earlier epoch").isFalse();
        assertThat(SelectMetric.CTCVR_LOGLOSS.improves(0.05, 0.06)).isTrue();
        assertThat(SelectMetric.LOSS.improves(0.07, 0.06)).isFalse();
        assertThat(SelectMetric.CVR_AUC.improves(Double.NaN, 0.5)).isFalse();
        assertThat(SelectMetric.CVR_AUC.improves(0.4, Double.NaN)).isTrue();
        assertThat(SelectMetric.parse("ctcvr-auc")).isEqualTo(SelectMetric.CTCVR_AUC);
        assertThatThrownBy(() -> SelectMetric.parse("auc")).hasMessageContaining("--select-metric must be one of");
        try (Backend be = Backends.create("java")) {
            assertThatThrownBy(() -> trainer(be, new ByteArrayOutputStream()).select(SelectMetric.LAST, 1))
                    .hasMessageContaining("--patience");
        }
    }
}
