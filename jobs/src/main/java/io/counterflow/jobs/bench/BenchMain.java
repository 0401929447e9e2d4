package io.counterflow.jobs.bench;

import java.nio.file.Path;
import java.util.List;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link TrainStepBenchmark} through JMH's {@link Runner} with the run shape of an {@link Options} (the
 * command line's defaults: 1 fork, 2 warm-up iterations of 2 s, 3 measured iterations of 3 s, throughput in
 * samples/s). Entry point of {@code bin/counterflow bench} ({@code io.counterflow.jobs.cli.BenchCommand} parses and
 * checks the options); {@link Options#profile} runs {@link StepProfile} instead.
 */
public final class BenchMain {
    private BenchMain() {}

    /**
     * What to run, already checked by the caller (names known, counts in range, batch sizes positive).
     *
     * @param objectives objective CLI names, one JMH parameter value each
     * @param backends backend names
     * @param batchSizes samples per step, one JMH run each
     * @param extractors shared-bottom and/or mmoe
     * @param data bench (synthetic schema) or demo (the demo's world and model)
     * @param benchmark trainStep, parseEncodeTrain or all
     * @param json JMH's JSON results file, or null for none
     * @param profile run {@link StepProfile} for every batch size × objective × backend × extractor (on
     *     {@code data}) instead of JMH
     * @param steps profiled steps with {@code profile}
     */
    public record Options(List<String> objectives, List<String> backends, List<Integer> batchSizes,
            List<String> extractors, String data, String benchmark, int forks, int warmup, int warmupTime,
            int iterations, int time, Path json, boolean profile, int steps) {
        public Options {
            objectives = List.copyOf(objectives);
            backends = List.copyOf(backends);
            batchSizes = List.copyOf(batchSizes);
            extractors = List.copyOf(extractors);
        }
    }

    /** Runs the benchmark, or with {@link Options#profile} the step profile, that {@code o} describes. */
    public static void run(Options o) throws RunnerException {
        if (o.profile()) {
            for (int bs : o.batchSizes()) {
                for (String objective : o.objectives()) {
                    for (String backend : o.backends()) {
                        for (String extractor : o.extractors()) {
                            System.out.println(StepProfile.profile(o.data(), objective, backend, o.steps(),
                                    extractor, bs));
                        }
                    }
                }
            }
            return;
        }
        for (int bs : o.batchSizes()) {
            new Runner(options(o, bs, o.batchSizes().size() > 1).build()).run();
        }
    }

    /**
     * The JMH options for {@code o} at one batch size: operations per invocation = batch size, so JMH reports
     * samples/s. With several sizes, each run's JSON goes to FILE-bsN.json.
     */
    static ChainedOptionsBuilder options(Options o, int batchSize, boolean perSizeJson) {
        String include = TrainStepBenchmark.class.getName() + "."
                + (o.benchmark().equals("all") ? "(trainStep|parseEncodeTrain)" : o.benchmark()) + "$";
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(include)
                .param("objective", o.objectives().toArray(new String[0]))
                .param("backend", o.backends().toArray(new String[0]))
                .param("extractor", o.extractors().toArray(new String[0]))
                .param("batchSize", Integer.toString(batchSize))
                .param("data", o.data())
                .operationsPerInvocation(batchSize)
                .forks(o.forks())
                .warmupIterations(o.warmup())
                .warmupTime(TimeValue.seconds(o.warmupTime()))
                .measurementIterations(o.iterations())
                .measurementTime(TimeValue.seconds(o.time()))
                .threads(1);
        if (o.json() != null) {
            Path file = o.json();
            if (perSizeJson) {
                String name = file.getFileName().toString();
                int dot = name.lastIndexOf('.');
                name = dot > 0 ? name.substring(0, dot) + "-bs" + batchSize + name.substring(dot)
                        : name + "-bs" + batchSize;
                file = file.resolveSibling(name);
            }
            b = b.resultFormat(ResultFormatType.JSON).result(file.toString());
        }
        return b;
    }
}
