package io.counterflow.jobs.cli;

import io.counterflow.jobs.offline.OfflineTrainer;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.metrics.EvaluationResult;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The offline pipeline on generated data, end to end: generate a training and a held-out set from one simulated
 * world, train, evaluate the snapshot on the held-out set.
 */
@Command(name = "offline-demo", mixinStandardHelpOptions = true,
        description = "Generate data, train and evaluate offline (no Kafka, no Flink).")
public final class OfflineDemoCommand implements Callable<Integer> {
    @Option(names = "--impressions", defaultValue = "200000", description = "Training impressions (default ${DEFAULT-VALUE}).")
    long impressions;

    @Option(names = "--work-dir", description = "Where data and the snapshot go (default: a new temp directory).")
    Path workDir;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, openblas, java or cuda (default ${DEFAULT-VALUE}).")
    String backend;

    @Mixin ModelOptions model;

    @Override
    public Integer call() throws Exception {
        CliInputs.atLeast("--impressions", impressions, 4); // a quarter of them, at least one, is held out
        if (workDir != null) {
            CliInputs.outputDirectory("--work-dir", workDir);
        }
        CliInputs.backend(backend);
        Settings settings = model.toSettings();
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("counterflow-demo");
        System.out.println("generating " + impressions + " training and " + impressions / 4
                + " held-out impressions in " + dir);
        new Generator(GeneratorConfig.builder().impressions(impressions).seed(7).streamSeed(1).build())
                .writeTo(dir.resolve("train"));
        new Generator(GeneratorConfig.builder().impressions(impressions / 4).seed(7).streamSeed(2).idPrefix("test-")
                .startTs(1_800_000_000_000L).build()).writeTo(dir.resolve("test"));
        Path snapshot = dir.resolve("model");
        try (Backend be = Backends.create(backend)) {
            OfflineTrainer t = new OfflineTrainer(settings, be, 1024, Set.of(), System.out);
            try (CvrModel m = t.train(dir.resolve("train/samples.jsonl"), 1, null)) {
                ModelSnapshot.write(m, snapshot, Map.of("source", "offline-demo"));
                EvaluationResult r = OfflineTrainer.evaluate(m, dir.resolve("test/samples.jsonl"), Set.of(), null);
                System.out.println("held-out metrics (" + settings.get(Settings.OBJECTIVE) + "): " + r.toJson());
            }
        }
        System.out.println("snapshot: " + snapshot.toAbsolutePath());
        System.out.println("try: bin/counterflow evaluate --model " + snapshot.toAbsolutePath() + " --samples "
                + dir.resolve("test/samples.jsonl"));
        return 0;
    }
}
