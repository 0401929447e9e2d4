package io.counterflow.jobs.cli;

import io.counterflow.jobs.offline.OfflineTrainer;
import io.counterflow.jobs.serve.ModelRoot;
import io.counterflow.model.io.BadInputReport;
import io.counterflow.model.metrics.EvaluationResult;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** counterflow evaluate: metrics JSON of a snapshot on labeled samples. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Print metrics JSON: counts, ctr, cvr_click_space (the papers' CVR metrics, clicked samples "
                + "only), ctcvr, and cvr_entire_space when the samples carry truth.")
public final class EvaluateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model version directory, or a publication root (then the version its LATEST names).")
    Path model;

    @Option(names = "--samples", required = true, description = "Labeled samples, .jsonl or .csv.")
    Path samples;

    @Option(names = "--numeric", description = "CSV columns to read as numeric, comma-separated.")
    String numeric;

    @Option(names = "--output", description = "Also write the JSON here.")
    Path output;

    @Override
    public Integer call() throws Exception {
        ModelRoot.Resolved resolved = ModelRoot.resolve("--model", model);
        CliInputs.inputFile("--samples", samples);
        if (output != null) {
            CliInputs.outputFile("--output", output);
        }
        if (resolved.root != null) {
            spec.commandLine().getErr().println("evaluate: " + resolved.describe());
            spec.commandLine().getErr().flush();
        }
        BadInputReport report = new BadInputReport();
        EvaluationResult r;
        try (CvrScorer scorer = ModelSnapshot.load(resolved.directory)) {
            r = OfflineTrainer.evaluate(scorer.model(), samples, NumericColumns.parse(numeric), report);
        }
        if (report.valid() == 0) {
            throw new UserError("no valid samples in " + samples
                    + (report.bad() > 0 ? " (" + report.summary() + ")" : ""));
        }
        if (report.bad() > 0) {
            System.err.println(samples.getFileName() + ": " + report.summary());
        }
        String json = r.toJson();
        System.out.println(json);
        if (output != null) {
            Files.writeString(output, json + System.lineSeparator());
        }
        return 0;
    }
}
