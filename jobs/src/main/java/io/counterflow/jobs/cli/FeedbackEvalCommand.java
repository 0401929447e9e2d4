package io.counterflow.jobs.cli;

import io.counterflow.jobs.eval.FeedbackEvaluation;
import io.counterflow.model.feedback.Labeling;
import io.counterflow.model.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** counterflow feedback-eval: compares labeling policies on a generated world with the streaming protocol. */
@Command(name = "feedback-eval", mixinStandardHelpOptions = true,
        description = "Compare labeling policies (wait, fnw, es-dfm, defer, oracle) on a generated world: train in "
                + "event time on what each policy emits, and score every slice's impressions, with their final "
                + "labels, by the model as of the slice's start. Writes table.md, runs.tsv, series.tsv and SVG "
                + "charts to --report.")
public final class FeedbackEvalCommand implements Callable<Integer> {
    @Option(names = "--world", required = true, description = "A `counterflow generate` output directory.")
    Path world;

    @Option(names = "--report", required = true, description = "Directory for the report.")
    Path report;

    @Option(names = "--policies", defaultValue = "wait,fnw,es-dfm,defer,oracle", split = ",",
            description = "Policies to compare (default ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--seeds", defaultValue = "1,2,3", split = ",", description = "Model initialisation seeds "
            + "(default ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--labeling-elapsed", defaultValue = "PT15M", description = "es-dfm and defer: the wait c after "
            + "the click before the first row (default ${DEFAULT-VALUE}).")
    Duration elapsed;

    @Option(names = "--slice", defaultValue = "PT1H", description = "Evaluation slice (default ${DEFAULT-VALUE}).")
    Duration slice;

    @Option(names = "--warmup", defaultValue = "P1D", description = "Start of the stream left out of the pooled "
            + "metrics (default ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--batch-size", defaultValue = "256", description = "Rows per step (default ${DEFAULT-VALUE}, "
            + "as stream).")
    int batchSize;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, openblas, java or cuda (default "
            + "${DEFAULT-VALUE}).")
    String backend;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        if (!java.nio.file.Files.isDirectory(world)) {
            throw new UserError("--world " + world + ": no such directory");
        }
        CliInputs.outputDirectory("--report", report);
        CliInputs.atLeast("--batch-size", batchSize, 1);
        List<Labeling> ls = new ArrayList<>();
        for (String p : policies) {
            ls.add(Labeling.of(p));
        }
        if (slice.isNegative() || slice.isZero() || elapsed.isNegative() || warmup.isNegative()) {
            throw new UserError("--slice must be positive, --labeling-elapsed and --warmup not negative");
        }
        Settings settings = model.toSettings();
        new FeedbackEvaluation(world, ls, seeds, elapsed.toMillis(), slice.toMillis(), warmup.toMillis(), batchSize,
                CliInputs.backend(backend), settings).run(report, System.out);
        return 0;
    }
}
