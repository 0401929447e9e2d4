package io.counterflow.jobs.cli;

import io.counterflow.jobs.offline.OfflineTrainer;
import io.counterflow.jobs.offline.SelectMetric;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.metrics.EvaluationResult;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** counterflow train: offline training on a samples file; writes a snapshot. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train on labeled samples (.jsonl or .csv) and write a model snapshot.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--samples", required = true, description = "Labeled samples, .jsonl or .csv (optionally .gz).")
    Path samples;

    @Option(names = "--numeric", description = "CSV columns to read as numeric, comma-separated.")
    String numeric;

    @Option(names = "--model-out", required = true, description = "Snapshot directory to write.")
    Path modelOut;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the file (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "1024", description = "Samples per step (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--backend", defaultValue = "auto", description = "auto (CUDA if a GPU answers, else OpenBLAS, else Java), openblas, java or cuda (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--validation", description = "Samples to evaluate after each epoch.")
    Path validation;

    @Option(names = "--select-metric", defaultValue = "ctcvr-logloss", description = "With --validation: the "
            + "metric whose best epoch is kept and written: ctcvr-logloss (default: BCE of pCTR·pCVR against "
            + "click·conversion over every validation row; the same quantity for every objective, and less noisy than "
            + "an AUC over a few hundred conversions), ctcvr-auc, cvr-auc (clicked rows), ctr-auc, ctr-logloss, loss "
            + "(the objective's total loss), or last (keep the last epoch).")
    String selectMetric;

    @Option(names = "--patience", defaultValue = "0", description = "With --validation: stop after this many "
            + "epochs in a row without improvement of --select-metric (default ${DEFAULT-VALUE}: run every epoch).")
    int patience;

    @Option(names = "--engine", defaultValue = "direct", description = "direct (default: the model core in this "
            + "process, parsing on a second thread; fastest) or flink (the streaming job's mini-batcher and training "
            + "operator over the file on a local Flink environment: the online code path; no --validation).")
    String engine;

    @Mixin ModelOptions model;

    @Override
    public Integer call() throws Exception {
        if (!engine.equals("direct") && !engine.equals("flink")) {
            throw new UserError("--engine must be direct or flink, got " + engine);
        }
        CliInputs.inputFile("--samples", samples);
        if (validation != null) {
            if (engine.equals("flink")) {
                throw new UserError("--validation " + validation + ": only with --engine direct");
            }
            CliInputs.inputFile("--validation", validation);
        }
        CliInputs.outputDirectory("--model-out", modelOut);
        CliInputs.atLeast("--epochs", epochs, 1);
        CliInputs.atLeast("--batch-size", batchSize, 1);
        CliInputs.backend(backend);
        Settings settings = model.toSettings();
        if (engine.equals("flink")) {
            if (validation != null || patience > 0) {
                System.err.println("train: --engine flink takes no --validation or --patience");
                return 2;
            }
            long t0 = System.nanoTime();
            io.counterflow.jobs.offline.FlinkFileTraining.run(settings, backend, samples, NumericColumns.parse(numeric),
                    batchSize, epochs, modelOut);
            System.out.printf(Locale.ROOT, "trained %s through the Flink operators in %.1f s; snapshot %s%n",
                    settings.get(Settings.OBJECTIVE), (System.nanoTime() - t0) / 1e9, modelOut.toAbsolutePath());
            return 0;
        }
        try (Backend be = Backends.create(backend)) {
            SelectMetric metric = SelectMetric.parse(selectMetric);
            if (validation == null && patience > 0) {
                throw new IllegalArgumentException("--patience needs --validation");
            }
            OfflineTrainer t = new OfflineTrainer(settings, be, batchSize, NumericColumns.parse(numeric), System.out)
                    .select(metric, patience);
            try (CvrModel m = t.train(samples, epochs, validation)) {
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("epochs", t.epochsRun);
                info.put("samples_file", samples.getFileName().toString());
                info.put("backend", be.name());
                EvaluationResult kept = t.keptResult();
                if (kept != null) {
                    Map<String, Object> selection = new LinkedHashMap<>();
                    selection.put("metric", metric.cliName());
                    selection.put("kept_epoch", t.keptEpoch);
                    selection.put("epochs_requested", epochs);
                    selection.put("epochs_run", t.epochsRun);
                    selection.put("stopped_early", t.stoppedEarly);
                    selection.put("patience", patience);
                    if (metric != SelectMetric.LAST) {
                        selection.put("per_epoch", t.epochMetric);
                    }
                    info.put("selection", selection);
                    info.put("validation", new com.fasterxml.jackson.databind.ObjectMapper().readValue(kept.toJson(),
                            Map.class));
                }
                ModelSnapshot.write(m, modelOut, info);
                String keptNote = kept == null || metric == SelectMetric.LAST ? ""
                        : String.format(Locale.ROOT, " (epoch %d of %d kept by %s)", t.keptEpoch, t.epochsRun,
                                metric.cliName());
                System.out.printf(Locale.ROOT, "trained %s on %s backend: %d steps, %,d samples, %d skipped batches%s; "
                        + "snapshot %s%n", settings.get(Settings.OBJECTIVE), be.name(), m.step(), m.trainedSamples(),
                        m.skippedBatches(), keptNote, modelOut.toAbsolutePath());
            }
        }
        return 0;
    }
}
