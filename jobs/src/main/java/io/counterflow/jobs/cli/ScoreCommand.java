package io.counterflow.jobs.cli;

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
import picocli.CommandLine.Option;

/** counterflow score: predictions per CONTRACT.md. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score impressions or samples (.jsonl; or .csv) and write {id, ctr, cvr, ctcvr} lines.")
public final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Snapshot directory.")
    Path model;

    @Option(names = "--input", required = true, description = "Impressions or samples, .jsonl or .csv.")
    Path input;

    @Option(names = "--numeric", description = "CSV columns to read as numeric, comma-separated.")
    String numeric;

    @Option(names = "--output", required = true, description = "Predictions file (.jsonl).")
    Path output;

    @Override
    public Integer call() throws Exception {
        BadInputReport report = new BadInputReport();
        int cap = 1024;
        LabeledSample[] buf = new LabeledSample[cap];
        float[] ctr = new float[cap];
        float[] cvr = new float[cap];
        long n = 0;
        boolean csv = SampleFileReader.formatOf(input) == SampleFileReader.Format.CSV;
        try (CvrScorer scorer = ModelSnapshot.load(model);
                OutputStream os = new BufferedOutputStream(Files.newOutputStream(output), 1 << 16);
                JsonLinesWriter w = new JsonLinesWriter(os)) {
            SampleFileReader samples = csv ? SampleFileReader.open(input, NumericColumns.parse(numeric), report) : null;
            EventFileReader<Impression> imps = csv ? null : EventFileReader.impressions(input, report);
            try {
                int k = 0;
                while (true) {
                    LabeledSample s;
                    if (csv) {
                        s = samples.next();
                    } else {
                        Impression imp = imps.next();
                        s = imp == null ? null : new LabeledSample(imp.id, imp.ts, 0, 0, imp.features, imp.truth);
                    }
                    if (s != null) {
                        buf[k++] = s;
                    }
                    if (k == cap || (s == null && k > 0)) {
                        scorer.score(buf, k, ctr, cvr);
                        for (int i = 0; i < k; i++) {
                            w.writePrediction(buf[i].id, ctr[i], cvr[i]);
                        }
                        n += k;
                        k = 0;
                    }
                    if (s == null) {
                        break;
                    }
                }
            } finally {
                if (samples != null) {
                    samples.close();
                }
                if (imps != null) {
                    imps.close();
                }
            }
        }
        if (report.bad() > 0) {
            System.err.println(input.getFileName() + ": " + report.summary());
        }
        System.out.printf("scored %,d records into %s%n", n, output);
        return n == 0 ? 2 : 0;
    }
}
