package io.counterflow.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.jobs.cli.CounterflowCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * feedback-eval end to end on a small generated world with a one-day attribution window: it writes its report,
 * and waiting for final labels is visibly worse than emitting early with the fnw correction (the model trained on
 * wait's rows over-predicts CVR while the clicked negatives are held back).
 */
class FeedbackEvaluationTest {

    @Test
    void reportsEveryPolicyAndFnwBeatsWaiting(@TempDir Path dir) throws Exception {
        Path world = dir.resolve("world");
        assertThat(run("generate", "--out", world.toString(), "--impressions", "30000", "--days", "3",
                "--attribution-window", "P1D", "--conversion-delay-median", "PT30M", "--seed", "3")).isZero();
        Path report = dir.resolve("report");
        assertThat(run("feedback-eval", "--world", world.toString(), "--report", report.toString(), "--policies",
                "wait,fnw", "--seeds", "1", "--warmup", "PT12H", "--backend", "java", "--towers", "16,8",
                "--embedding-dim", "4", "--buckets", "4096")).isZero();
        for (String f : new String[] {"table.md", "runs.tsv", "series.tsv", "cvr-nll.svg", "cvr-calibration.svg"}) {
            assertThat(report.resolve(f)).isRegularFile();
        }
        List<String> runs = Files.readAllLines(report.resolve("runs.tsv"));
        assertThat(runs).hasSize(3);
        String[] header = runs.get(0).split("\t");
        int nll = List.of(header).indexOf("cvr_nll");
        int calibration = List.of(header).indexOf("cvr_calibration");
        String[] waitRow = runs.get(1).split("\t");
        String[] fnwRow = runs.get(2).split("\t");
        assertThat(waitRow[0]).isEqualTo("wait");
        assertThat(fnwRow[0]).isEqualTo("fnw");
        assertThat(Double.parseDouble(fnwRow[nll])).as("fnw's click-space CVR NLL below wait's")
                .isLessThan(Double.parseDouble(waitRow[nll]));
        assertThat(Double.parseDouble(waitRow[calibration])).as("wait over-predicts CVR").isGreaterThan(1.3);
        assertThat(Double.parseDouble(fnwRow[calibration])).as("fnw's calibration").isBetween(0.7, 1.3);
        assertThat(Files.readString(report.resolve("table.md"))).contains("| wait |", "| fnw |");
    }

    private static int run(String... args) {
        StringWriter err = new StringWriter();
        var cl = CounterflowCli.commandLine();
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        if (rc != 0) {
            System.err.println(err);
        }
        return rc;
    }
}
