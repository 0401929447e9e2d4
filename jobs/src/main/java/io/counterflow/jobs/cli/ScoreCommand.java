package io.counterflow.jobs.cli;

import io.counterflow.jobs.offline.BatchScoring;
import io.counterflow.jobs.serve.ModelRoot;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.BadInputReport;
import io.counterflow.model.io.EventFileReader;
import io.counterflow.model.io.JsonLinesWriter;
import io.counterflow.model.io.SampleFileReader;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** counterflow score: predictions per CONTRACT.md. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score impressions or samples (.jsonl; or .csv) and write {id, ctr, cvr, ctcvr} lines.")
public final class ScoreCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model version directory, or a publication root (then the version its LATEST names).")
    Path model;

    @Option(names = "--input", required = true, description = "Impressions or samples, .jsonl or .csv.")
    Path input;

    @Option(names = "--numeric", description = "CSV columns to read as numeric, comma-separated.")
    String numeric;

    @Option(names = "--output", required = true, description = "Predictions file (.jsonl).")
    Path output;

    @Override
    public Integer call() throws Exception {
        ModelRoot.Resolved resolved = ModelRoot.resolve("--model", model);
        CliInputs.inputFile("--input", input);
        CliInputs.outputFile("--output", output);
        if (resolved.root != null) {
            spec.commandLine().getErr().println("score: " + resolved.describe());
            spec.commandLine().getErr().flush();
        }
        BadInputReport report = new BadInputReport();
        long n;
        boolean csv = SampleFileReader.formatOf(input) == SampleFileReader.Format.CSV;
        try (CvrScorer scorer = ModelSnapshot.load(resolved.directory);
                OutputStream os = new BufferedOutputStream(Files.newOutputStream(output), 1 << 16);
                JsonLinesWriter w = new JsonLinesWriter(os)) {
            BatchScoring.Sink write = (s, ctr, cvr) -> w.writePrediction(s.id, ctr, cvr);
            if (csv) {
                try (SampleFileReader samples = SampleFileReader.open(input, NumericColumns.parse(numeric), report)) {
                    n = BatchScoring.scoreAll(scorer, samples::next, write);
                }
            } else {
                try (EventFileReader<Impression> imps = EventFileReader.impressions(input, report)) {
                    n = BatchScoring.scoreAll(scorer, () -> {
                        Impression imp = imps.next();
                        return imp == null ? null : new LabeledSample(imp.id, imp.ts, 0, 0, imp.features, imp.truth);
                    }, write);
                }
            }
        }
        if (n == 0) {
            throw new UserError("no valid records in " + input
                    + (report.bad() > 0 ? " (" + report.summary() + ")" : ""));
        }
        if (report.bad() > 0) {
            System.err.println(input.getFileName() + ": " + report.summary());
        }
        System.out.printf("scored %,d records into %s%n", n, output);
        return 0;
    }
}
