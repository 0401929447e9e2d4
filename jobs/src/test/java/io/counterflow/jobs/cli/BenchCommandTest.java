package io.counterflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.jobs.bench.BenchMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code counterflow bench}'s options through picocli, in process as the launcher runs them: defaults, both
 * spellings, checks (one line {@code bench: <reason>}, exit 2), {@code --profile} as a flag, and the help. The
 * command's runner is replaced by a recorder, so nothing here runs JMH or a profile.
 */
class BenchCommandTest {
    @TempDir Path tmp;

    /** What one execution of {@code counterflow bench ...} did. */
    record Run(int code, String out, String err, List<BenchMain.Options> ran) {}

    private static Run execute(String... args) {
        CommandLine cl = CounterflowCli.commandLine();
        List<BenchMain.Options> ran = new ArrayList<>();
        BenchCommand bench = cl.getSubcommands().get("bench").getCommand();
        bench.runner = ran::add;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cl.execute(all);
        return new Run(code, out.toString(), err.toString(), ran);
    }

    private static BenchMain.Options ran(String... args) {
        Run r = execute(args);
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        assertThat(r.ran()).hasSize(1);
        return r.ran().get(0);
    }

    @Test
    void defaultsAreTheDocumentedRunShape() {
        assertThat(ran()).isEqualTo(new BenchMain.Options(List.of("esmm", "escm2-ips", "escm2-dr", "dcmt"),
                List.of("openblas", "java"), List.of(1024), List.of("shared-bottom"), "bench", "trainStep", 1, 2, 2,
                3, 3, null, false, 100));
    }

    @Test
    void bothSpellingsAndListsParse() {
        Path json = tmp.resolve("r.json");
        BenchMain.Options o = ran("--objective=esmm,dcmt", "--backend", "openblas", "--batch-size=1024,4096",
                "--data", "demo", "--benchmark=all", "--forks=0", "--warmup", "1", "--warmup-time=1",
                "--iterations", "5", "--time=2", "--json=" + json, "--steps", "7", "--extractor", "mmoe");
        assertThat(o).isEqualTo(new BenchMain.Options(List.of("esmm", "dcmt"), List.of("openblas"),
                List.of(1024, 4096), List.of("mmoe"), "demo", "all", 0, 1, 1, 5, 2, json, false, 7));
    }

    @Test
    void profileIsAFlagOverTheObjectives() {
        BenchMain.Options o = ran("--profile", "--objective=esmm", "--backend=openblas", "--steps=20");
        assertThat(o.profile()).isTrue();
        assertThat(o.objectives()).containsExactly("esmm");
        assertThat(o.steps()).isEqualTo(20);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--profile=esmm | --profile is a flag and takes no value (got 'esmm'); it profiles every --objective: "
                + "--profile --objective=esmm",
        "--profile=true | --profile is a flag and takes no value (got 'true'); write --profile alone",
        "--forks -1 | --forks must be at least 0, got -1",
        "--forks x | Invalid value for option '--forks': 'x' is not an int",
        "--time=0 | --time must be at least 1, got 0",
        "--steps=0 | --steps must be at least 1, got 0",
        "--batch-size=1024,0 | --batch-size must be at least 1, got 0",
        "--batch-size=1024,big | 'big' is not an int",
        "--benchmark step | --benchmark must be trainStep, parseEncodeTrain or all, got 'step'",
        "--data world | --data must be bench or demo, got 'world'",
        "--objective=esmm,best | invalid value best for setting 'objective'",
        "--backend=openblas,tpu | unknown backend 'tpu'",
        "--json=/nonexistent-dir/r.json | --json /nonexistent-dir/r.json: no such directory",
        "--iterations | Missing required parameter for option '--iterations'",
        "--frobnicate 1 | Unknown options: '--frobnicate', '1'",
    })
    void badValueIsOneLineAndExitCode2(String args, String mentions) {
        Run r = execute(args.split(" "));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("bench: ").contains(mentions).doesNotContain("\tat ");
        assertThat(r.ran()).isEmpty();
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        Run r = execute("--help");
        assertThat(r.code()).isZero();
        assertThat(r.ran()).isEmpty();
        String help = r.out().replaceAll("\\s+", " ");
        assertThat(help).contains(
                "--objective=NAME[,NAME...]", "(default esmm,escm2-ips,escm2-dr,dcmt)",
                "--backend=NAME[,NAME...]", "(default openblas,java)",
                "--batch-size=N[,N...]", "(default 1024)",
                "--extractor=NAME[,NAME...]", "(default shared-bottom)",
                "--data=bench|demo", "default bench.",
                "--benchmark=NAME", "(default trainStep)",
                "--forks=N", "JMH forks, 0 to run in this JVM (default 1)",
                "--warmup=N", "JMH warm-up iterations (default 2)",
                "--warmup-time=SECONDS", "Seconds per warm-up iteration (default 2)",
                "--iterations=N", "JMH measured iterations (default 3)",
                "--time=SECONDS", "Seconds per measured iteration (default 3)",
                "--json=FILE", "(default: none)",
                "--profile", "--extractor (default false)",
                "--steps=N", "(default 100)");
        assertThat(help).doesNotContain("${DEFAULT-VALUE}").doesNotContain("null");
    }
}
