package io.counterflow.jobs.cli;

import io.counterflow.jobs.bench.BenchData;
import io.counterflow.jobs.bench.BenchMain;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * counterflow bench: the JMH training-step benchmark ({@link BenchMain}), or with {@code --profile} the time of
 * every kernel of a step. Every option takes {@code --key value} or {@code --key=value}; lists are comma-separated.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = false,
        description = "JMH throughput of one training step in samples/s (default model: batch " + BenchData.BATCH
                + ", embedding dim " + BenchData.DIM + ", 8 categorical + 1 multi-valued + 1 numeric field, towers "
                + "256-128-64). --profile times every phase and kernel of a step instead.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--objective", split = ",", paramLabel = "NAME",
            defaultValue = "esmm,escm2-ips,escm2-dr,dcmt",
            description = "Objectives (CLI names), one JMH parameter value each (default ${DEFAULT-VALUE}).")
    List<String> objectives;

    @Option(names = "--backend", split = ",", paramLabel = "NAME", defaultValue = "openblas,java",
            description = "Backends: openblas, java, cuda or auto (default ${DEFAULT-VALUE}).")
    List<String> backends;

    @Option(names = "--batch-size", split = ",", paramLabel = "N", defaultValue = "" + BenchData.BATCH,
            description = "Samples per step; one JMH run per size, e.g. 1024,4096,16384 (default ${DEFAULT-VALUE}).")
    List<Integer> batchSizes;

    @Option(names = "--extractor", split = ",", paramLabel = "NAME", defaultValue = "shared-bottom",
            description = "Feature extractors: shared-bottom or mmoe (default ${DEFAULT-VALUE}).")
    List<String> extractors;

    @Option(names = "--data", paramLabel = "bench|demo", defaultValue = "bench",
            description = "bench (synthetic, the PyTorch reference's schema) or demo (the demo's world and model: "
                    + "2^16 buckets, the schema inferred from its first batch); default ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--benchmark", paramLabel = "NAME", defaultValue = "trainStep",
            description = "trainStep (batches encoded beforehand), parseEncodeTrain (JSON parse + encode + step) "
                    + "or all (default ${DEFAULT-VALUE}).")
    String benchmark;

    @Option(names = "--forks", paramLabel = "N", defaultValue = "1",
            description = "JMH forks, 0 to run in this JVM (default ${DEFAULT-VALUE}).")
    int forks;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
            description = "JMH warm-up iterations (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-time", paramLabel = "SECONDS", defaultValue = "2",
            description = "Seconds per warm-up iteration (default ${DEFAULT-VALUE}).")
    int warmupTime;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "3",
            description = "JMH measured iterations (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--time", paramLabel = "SECONDS", defaultValue = "3",
            description = "Seconds per measured iteration (default ${DEFAULT-VALUE}).")
    int time;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write JMH's results as JSON to FILE; with several --batch-size values one file "
                    + "per size, -bsN before the extension (default: none).")
    Path json;

    @Option(names = "--profile", preprocessor = FlagWithoutValue.class,
            description = "Instead of JMH: time each phase and kernel of --steps steps on --data, for every "
                    + "--batch-size, --objective, --backend and --extractor (default ${DEFAULT-VALUE}).")
    boolean profile;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "100",
            description = "Profiled steps with --profile (default ${DEFAULT-VALUE}).")
    int steps;

    /** What runs the checked options: {@link BenchMain#run}; a test puts a recorder here instead. */
    Runner runner = BenchMain::run;

    /** Runs a benchmark. */
    interface Runner {
        void run(BenchMain.Options options) throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        runner.run(options());
        return 0;
    }

    /** The checked options: every name known, every count in range; a {@link UserError} naming the option else. */
    BenchMain.Options options() {
        if (!benchmark.equals("trainStep") && !benchmark.equals("parseEncodeTrain") && !benchmark.equals("all")) {
            throw new UserError("--benchmark must be trainStep, parseEncodeTrain or all, got '" + benchmark + "'");
        }
        BenchData.requireData(data);
        for (int bs : batchSizes) {
            CliInputs.atLeast("--batch-size", bs, 1);
        }
        CliInputs.atLeast("--forks", forks, 0);
        CliInputs.atLeast("--warmup", warmup, 0);
        CliInputs.atLeast("--warmup-time", warmupTime, 1);
        CliInputs.atLeast("--iterations", iterations, 1);
        CliInputs.atLeast("--time", time, 1);
        CliInputs.atLeast("--steps", steps, 1);
        List<String> objs = trimmed(objectives);
        List<String> exts = trimmed(extractors);
        List<String> bes = trimmed(backends);
        for (String objective : objs) {
            for (String extractor : exts) {
                BenchData.settings(objective, extractor); // rejects an unknown name, naming it
            }
        }
        for (String b : bes) {
            CliInputs.backend(b);
        }
        if (json != null) {
            CliInputs.outputFile("--json", json);
        }
        return new BenchMain.Options(objs, bes, batchSizes, exts, data, benchmark, forks, warmup, warmupTime,
                iterations, time, json, profile, steps);
    }

    private static List<String> trimmed(List<String> names) {
        return names.stream().map(String::trim).toList();
    }

    /**
     * Rejects {@code --profile=VALUE}: the flag profiles every {@code --objective}; an attached value (the old
     * spelling {@code --profile=esmm}) would otherwise be an unhelpful picocli message.
     */
    static final class FlagWithoutValue implements IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec spec, ArgSpec arg, Map<String, Object> info) {
            // picocli's separator is " " unless the value was attached (--profile=VALUE): then it is on top of args.
            if (" ".equals(info.get("separator")) || args.isEmpty()) {
                return false;
            }
            String v = args.peek();
            String hint = v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false") ? "write --profile alone"
                    : "it profiles every --objective: --profile --objective=" + v;
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--profile is a flag and takes no value (got '" + v + "'); " + hint);
        }
    }
}
