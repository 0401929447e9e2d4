package io.counterflow.jobs.cli;

import io.counterflow.jobs.bench.BenchMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * counterflow bench: the JMH training-step benchmark (options passed to BenchMain as --key=value; so is --help,
 * which prints BenchMain's usage with its defaults).
 */
@Command(name = "bench",
        description = "JMH benchmark of one training step (batch 1024, dim 16, 8+1+1 fields, towers 256-128-64) in "
                + "samples/s. Options: --objective=a,b --backend=openblas,java,cuda --extractor=shared-bottom "
                + "--batch-size=1024,4096,16384 (one JMH run per size) "
                + "--benchmark=trainStep|parseEncodeTrain --forks --warmup --iterations --time --json=FILE; "
                + "--profile[=objective] times every kernel instead (StepProfile).")
public final class BenchCommand implements Callable<Integer> {
    @Unmatched List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = BenchMain.parse(args.toArray(new String[0]));
        if (o == null) {
            return 0; // --help, answered by BenchMain
        }
        for (String b : o.get("backend").split(",")) {
            CliInputs.backend(b.trim());
        }
        if (!o.get("json").isEmpty()) {
            CliInputs.outputFile("--json", Path.of(o.get("json")));
        }
        BenchMain.run(o);
        return 0;
    }
}
