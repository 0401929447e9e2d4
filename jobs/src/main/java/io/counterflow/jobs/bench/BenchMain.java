package io.counterflow.jobs.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link TrainStepBenchmark} through JMH's {@link Runner} with defaults sized for a quick, honest number:
 * 1 fork, 2 warm-up iterations of 2 s, 3 measured iterations of 3 s, throughput in samples/s. Entry point of
 * {@code bin/counterflow bench}; {@code --profile} runs {@link StepProfile} instead.
 */
public final class BenchMain {

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("objective", "esmm,escm2-ips,escm2-dr,dcmt");
        DEFAULTS.put("backend", "openblas,java");
        DEFAULTS.put("extractor", "shared-bottom");
        DEFAULTS.put("batch-size", "" + BenchData.BATCH);
        DEFAULTS.put("data", "bench");
        DEFAULTS.put("benchmark", "trainStep");
        DEFAULTS.put("forks", "1");
        DEFAULTS.put("warmup", "2");
        DEFAULTS.put("warmup-time", "2");
        DEFAULTS.put("iterations", "3");
        DEFAULTS.put("time", "3");
        DEFAULTS.put("json", "");
        DEFAULTS.put("profile", "");
        DEFAULTS.put("steps", "100");
    }

    private BenchMain() {}

    /** Runs the benchmark (or, with {@code --profile}, the step profile) that {@code o} from {@link #parse} sets. */
    public static void run(Map<String, String> o) throws RunnerException {
        if (!o.get("profile").isEmpty()) {
            for (String objective : o.get("objective").split(",")) {
                for (String backend : o.get("backend").split(",")) {
                    System.out.println(StepProfile.profile(objective.trim(), backend.trim(),
                            Integer.parseInt(o.get("steps")), o.get("extractor")));
                }
            }
            return;
        }
        int[] sizes = batchSizes(o.get("batch-size"));
        for (int bs : sizes) {
            new Runner(options(o, bs, sizes.length > 1).build()).run();
        }
    }

    /** The comma-separated batch sizes of --batch-size, each positive. */
    static int[] batchSizes(String list) {
        String[] parts = list.split(",");
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--batch-size must be positive integers, got '" + list + "'");
            }
            if (sizes[i] <= 0) {
                throw new IllegalArgumentException("--batch-size must be positive integers, got '" + list + "'");
            }
        }
        return sizes;
    }

    /**
     * The JMH options for these settings (see {@link #usage}) at one batch size: operations per invocation =
     * batch size, so JMH reports samples/s. With several sizes, each run's JSON goes to FILE-bsN.json.
     */
    static ChainedOptionsBuilder options(Map<String, String> o, int batchSize, boolean perSizeJson) {
        String benchmark = o.get("benchmark");
        String include = TrainStepBenchmark.class.getName() + "."
                + (benchmark.equals("all") ? "(trainStep|parseEncodeTrain)" : benchmark) + "$";
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(include)
                .param("objective", o.get("objective").split(","))
                .param("backend", o.get("backend").split(","))
                .param("extractor", o.get("extractor").split(","))
                .param("batchSize", Integer.toString(batchSize))
                .param("data", o.get("data"))
                .operationsPerInvocation(batchSize)
                .forks(Integer.parseInt(o.get("forks")))
                .warmupIterations(Integer.parseInt(o.get("warmup")))
                .warmupTime(TimeValue.seconds(Long.parseLong(o.get("warmup-time"))))
                .measurementIterations(Integer.parseInt(o.get("iterations")))
                .measurementTime(TimeValue.seconds(Long.parseLong(o.get("time"))))
                .threads(1);
        if (!o.get("json").isEmpty()) {
            String file = o.get("json");
            if (perSizeJson) {
                int dot = file.lastIndexOf('.');
                file = dot > 0 ? file.substring(0, dot) + "-bs" + batchSize + file.substring(dot)
                        : file + "-bs" + batchSize;
            }
            b = b.resultFormat(ResultFormatType.JSON).result(file);
        }
        return b;
    }

    /**
     * --key value or --key=value pairs over the defaults, checked (numbers, batch sizes, objective and extractor
     * names; an {@link IllegalArgumentException} naming the option otherwise); null (after printing usage) for
     * --help. Backend names are the caller's to check (the CLI also checks that they can run here).
     */
    public static Map<String, String> parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(usage());
                return null;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'; options are --key value or "
                        + "--key=value (see 'counterflow bench --help')");
            }
            String key = a.substring(2);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                key = key.substring(0, eq);
            }
            if (!o.containsKey(key)) {
                throw new IllegalArgumentException("unknown option --" + key + " (see 'counterflow bench --help')");
            }
            String value;
            if (eq >= 0) {
                value = a.substring(2 + eq + 1);
            } else if (key.equals("profile")) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
            o.put(key, value.trim());
        }
        String bm = o.get("benchmark");
        if (!bm.equals("trainStep") && !bm.equals("parseEncodeTrain") && !bm.equals("all")) {
            throw new IllegalArgumentException("--benchmark must be trainStep, parseEncodeTrain or all, got '" + bm
                    + "'");
        }
        batchSizes(o.get("batch-size"));
        BenchData.requireData(o.get("data"));
        atLeast(o, "forks", 0);
        atLeast(o, "warmup", 0);
        atLeast(o, "warmup-time", 1);
        atLeast(o, "iterations", 1);
        atLeast(o, "time", 1);
        atLeast(o, "steps", 1);
        for (String objective : o.get("objective").split(",")) {
            for (String extractor : o.get("extractor").split(",")) {
                BenchData.settings(objective.trim(), extractor.trim()); // rejects unknown names, naming them
            }
        }
        return o;
    }

    private static void atLeast(Map<String, String> o, String key, int min) {
        String v = o.get(key);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            n = Integer.MIN_VALUE;
        }
        if (n < min) {
            throw new IllegalArgumentException("--" + key + " must be an integer >= " + min + ", got '" + v + "'");
        }
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("Usage: counterflow bench [--option value]...\n"
                + "JMH throughput of one training step (samples/s; default batch " + BenchData.BATCH + ", dim "
                + BenchData.DIM + ", towers " + BenchData.TOWERS + ").\n");
        sb.append("  --objective   comma-separated objective CLI names\n");
        sb.append("  --backend     comma-separated backends (openblas, java, cuda, auto)\n");
        sb.append("  --batch-size  comma-separated batch sizes, one JMH run each (e.g. 1024,4096,16384)\n");
        sb.append("  --extractor   shared-bottom or mmoe\n");
        sb.append("  --data        bench (synthetic, the PyTorch reference's schema) or demo (the demo's world and"
                + " model: 2^16 buckets, the schema inferred from its first batch)\n");
        sb.append("  --benchmark   trainStep, parseEncodeTrain (JSON parse + encode + step) or all\n");
        sb.append("  --forks, --warmup, --warmup-time (s), --iterations, --time (s): JMH run shape\n");
        sb.append("  --json FILE   also write JMH results as JSON\n");
        sb.append("  --profile     instead of JMH: time each phase and kernel of --steps steps\n");
        sb.append("Defaults:");
        DEFAULTS.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v.isEmpty() ? "(none)" : v));
        return sb.toString();
    }
}
