package io.counterflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.counterflow.model.backend.Backends;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Bad input to any command prints one line {@code <command>: <reason>} naming the offending value and exits 2,
 * without a stack trace; a bug keeps its stack trace. Every case fails before anything starts (no broker, no
 * Flink cluster, no training), so the whole class runs in about a second.
 */
class UserErrorsTest {
    @TempDir static Path tmp;

    @BeforeAll
    static void fixtures() throws IOException {
        Files.writeString(tmp.resolve("samples.jsonl"), "not json\n");
        Files.writeString(tmp.resolve("header.csv"), "a,b\n1,2\n");
        Files.writeString(tmp.resolve("afile"), "x");
        Files.createDirectories(tmp.resolve("emptydir"));
    }

    /** Command, its arguments ({@code {tmp}} is the fixtures' directory), and what the line must mention. */
    static Stream<Arguments> badInput() {
        return Stream.of(
                // parse errors: picocli's message, one line, with a pointer to --help instead of the usage
                Arguments.of("demo", "demo --checkpoint-interval 3s", "'3s' is not an ISO-8601 duration"),
                Arguments.of("stream", "stream --snapshot-path {tmp}/s --bootstrap-servers", "--bootstrap-servers"),
                Arguments.of("stream", "stream --bootstrap-servers localhost:1 --snapshot-path {tmp}/s --keep 0",
                        "keep must be at least 1 (got 0)"),
                Arguments.of("stream", "stream --bootstrap-servers localhost:1 --snapshot-path {tmp}/s --labeling dfm",
                        "counterflow.labeling.policy must be one of wait, fnw, es-dfm, defer, oracle (got dfm)"),
                Arguments.of("stream", "stream --bootstrap-servers localhost:1 --snapshot-path {tmp}/s --labeling defer"
                        + " --labeling-elapsed P8D", "counterflow.labeling.elapsed must be at most"
                        + " counterflow.join.attribution-window for policy defer (got PT192H > PT168H)"),
                Arguments.of("demo", "demo --labeling oracle",
                        "oracle needs the final labels in advance: simulations only"),
                Arguments.of("stream", "stream --bootstrap-servers localhost:1 --snapshot-path {tmp}/s"
                        + " --mixing-buffer 100",
                        "counterflow.batch.mixing-buffer must be 0 or at least counterflow.batch.size (256) (got 100)"),
                Arguments.of("broker", "broker --topics a/b", "'a/b' is not a legal Kafka topic name"),
                Arguments.of("offline-demo", "offline-demo --impressions 2", "--impressions must be at least 4, got 2"),
                Arguments.of("offline-demo", "offline-demo --work-dir {tmp}/afile", "{tmp}/afile: exists and is not"),
                Arguments.of("bench", "bench --forks x", "Invalid value for option '--forks': 'x' is not an int"),
                Arguments.of("bench", "bench --forks -1", "--forks must be at least 0, got -1"),
                Arguments.of("bench", "bench --frobnicate 1", "Unknown options: '--frobnicate', '1'"),
                Arguments.of("generate", "generate --out {tmp}/g --impressions abc", "'abc' is not a long"),
                Arguments.of("generate", "generate --out {tmp}/afile/g", "{tmp}/afile is a file"),
                Arguments.of("train", "train --samples {tmp}/missing.jsonl --model-out {tmp}/m",
                        "--samples {tmp}/missing.jsonl: no such file"),
                Arguments.of("train", "train --samples {tmp}/samples.jsonl --model-out {tmp}/m --epochs 0",
                        "--epochs must be at least 1, got 0"),
                Arguments.of("train", "train --samples {tmp}/header.csv --model-out {tmp}/m --backend java",
                        "header.csv: CSV header lacks the click label column"),
                Arguments.of("train", "train --samples {tmp}/samples.jsonl --model-out {tmp}/m --objective best",
                        "invalid value best for setting 'objective'"),
                Arguments.of("train", "train --samples {tmp}/samples.jsonl --model-out {tmp}/m --engine warp",
                        "--engine must be direct or flink, got warp"),
                Arguments.of("score", "score --model {tmp}/nomodel --input {tmp}/samples.jsonl --output {tmp}/p",
                        "--model {tmp}/nomodel: no such directory"),
                Arguments.of("score", "score --model {tmp}/emptydir --input {tmp}/samples.jsonl --output {tmp}/p",
                        "{tmp}/emptydir: no manifest.json (not a Counterflow snapshot"),
                Arguments.of("score", "score --model {tmp}/emptydir --input {tmp}/samples.jsonl --output {tmp}",
                        "--output {tmp}: is a directory"),
                Arguments.of("evaluate", "evaluate --model {tmp}/emptydir --samples {tmp}/samples.jsonl",
                        "{tmp}/emptydir: no manifest.json"),
                Arguments.of("evaluate", "evaluate --model {tmp}/emptydir --samples {tmp}/samples.jsonl "
                        + "--output {tmp}/nodir/m.json", "--output {tmp}/nodir/m.json: no such directory"),
                Arguments.of("gpu-check", "gpu-check --backend tpu", "unknown backend 'tpu'"),
                Arguments.of("counterflow", "trian", "'trian'; did you mean train"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badInput")
    void badInputIsOneLineNamingTheValueAndExitCode2(String command, String args, String mentions) {
        assertOneLineUserError(CounterflowCli.commandLine(), command, args, mentions);
    }

    @Test
    void gpuBundleReportsBadInputTheSameWay() {
        assertOneLineUserError(GpuCli.commandLine(), "evaluate", "evaluate --model {tmp}/nomodel --samples x.jsonl",
                "--model {tmp}/nomodel: no such directory");
    }

    @Test
    void cudaWhereThereIsNoneIsOneLineNamingTheReason() {
        assumeTrue(Backends.cudaUnavailableReason().isPresent(), "CUDA works here: nothing to reject");
        String line = assertOneLineUserError(CounterflowCli.commandLine(), "train",
                "train --samples {tmp}/samples.jsonl --model-out {tmp}/m --backend cuda",
                "backend cuda is not available on this machine (");
        assertThat(line).contains(Backends.cudaUnavailableReason().get()).endsWith("use --backend openblas or auto");
    }

    @Test
    void bugsKeepTheirStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine cl = UserErrors.install(new CommandLine(new Buggy()));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute()).isEqualTo(1);
        assertThat(err.toString()).contains("IllegalStateException: internal invariant broken").contains("\tat ");
    }

    /** A command with a bug. */
    @Command(name = "buggy")
    static final class Buggy implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("internal invariant broken");
        }
    }

    private static String assertOneLineUserError(CommandLine cl, String command, String args, String mentions) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] argv = Arrays.stream(args.split(" ")).map(a -> a.replace("{tmp}", tmp.toString()))
                .toArray(String[]::new);
        int rc = cl.execute(argv);
        assertThat(err.toString().lines()).as("stderr of %s", args).hasSize(1);
        String line = err.toString().strip();
        assertThat(line).startsWith(command + ": ").contains(mentions.replace("{tmp}", tmp.toString()))
                .doesNotContain("Exception").doesNotContain("at io.");
        assertThat(rc).as("exit code of %s; stderr: %s", args, line).isEqualTo(2);
        return line;
    }
}
