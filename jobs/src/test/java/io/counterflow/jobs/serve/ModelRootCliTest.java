package io.counterflow.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.jobs.cli.CounterflowCli;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.testing.TinyData;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code score} and {@code evaluate} take a publication root and follow its {@code LATEST} (naming the version on
 * stderr); a root they cannot follow, and bad {@code serve} options, are one-line user errors with exit code 2.
 */
class ModelRootCliTest {
    @TempDir static Path tmp;
    static Path root;
    static Path samples;

    @BeforeAll
    static void fixtures() throws Exception {
        root = Files.createDirectories(tmp.resolve("models"));
        ServeFixture.publishTrained(root, tmp, 1, 2);
        ServeFixture.publishTrained(root, tmp, 2, 6);
        EventCodec codec = new EventCodec();
        List<String> lines = new ArrayList<>();
        for (LabeledSample s : TinyData.samples(30, 4)) {
            lines.add(codec.toJson(s));
        }
        samples = Files.write(tmp.resolve("samples.jsonl"), lines);
        Path noLatest = Files.createDirectories(tmp.resolve("no-latest"));
        ServeFixture.snapshot(noLatest.resolve("v-3-3"), 1);
        Path dangling = Files.createDirectories(tmp.resolve("dangling"));
        Files.writeString(dangling.resolve("LATEST"), "v-9-9\n");
        Path garbage = Files.createDirectories(tmp.resolve("garbage"));
        Files.writeString(garbage.resolve("LATEST"), "../../etc\n");
        Path incomplete = Files.createDirectories(tmp.resolve("incomplete/v-4-4/tensors"));
        Files.writeString(incomplete.getParent().getParent().resolve("LATEST"), "v-4-4\n");
    }

    /** Runs the CLI: {exit code, stdout, stderr}. */
    private static String[] run(String args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = CounterflowCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] argv = args.replace("{tmp}", tmp.toString()).split(" ");
        int rc = cl.execute(argv);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void scoreOnARootFollowsLatestAndNamesTheVersion() throws Exception {
        String[] r = run("score --model {tmp}/models --input {tmp}/samples.jsonl --output {tmp}/root.jsonl");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[2].strip()).isEqualTo("score: model v-2-6 (LATEST of " + root + ")");
        String[] direct = run("score --model {tmp}/models/v-2-6 --input {tmp}/samples.jsonl --output {tmp}/dir.jsonl");
        assertThat(direct[0]).isEqualTo("0");
        assertThat(direct[2]).isEmpty();
        assertThat(Files.readAllLines(tmp.resolve("root.jsonl"))).hasSize(30)
                .isEqualTo(Files.readAllLines(tmp.resolve("dir.jsonl")));
        String[] older = run("score --model {tmp}/models/v-1-2 --input {tmp}/samples.jsonl --output {tmp}/old.jsonl");
        assertThat(older[0]).isEqualTo("0");
        assertThat(Files.readAllLines(tmp.resolve("old.jsonl"))).isNotEqualTo(Files.readAllLines(tmp.resolve("dir.jsonl")));
    }

    @Test
    void evaluateOnARootFollowsLatest() throws Exception {
        String[] r = run("evaluate --model {tmp}/models --samples {tmp}/samples.jsonl --output {tmp}/eval.json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[2].strip()).isEqualTo("evaluate: model v-2-6 (LATEST of " + root + ")");
        assertThat(Files.readString(tmp.resolve("eval.json"))).contains("\"counts\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "score --model {tmp}/no-latest --input {tmp}/samples.jsonl --output {tmp}/p.jsonl"
            + "|score: --model {tmp}/no-latest: a publication root without LATEST (versions v-3-3",
        "evaluate --model {tmp}/dangling --samples {tmp}/samples.jsonl"
            + "|evaluate: --model {tmp}/dangling: LATEST names v-9-9, which does not exist",
        "score --model {tmp}/garbage --input {tmp}/samples.jsonl --output {tmp}/p.jsonl"
            + "|score: --model {tmp}/garbage: {tmp}/garbage/LATEST does not name a model version",
        "evaluate --model {tmp}/incomplete --samples {tmp}/samples.jsonl"
            + "|evaluate: --model {tmp}/incomplete: LATEST names v-4-4, which has no manifest.json (incomplete)",
        "serve --models {tmp}/missing --port 0|serve: --models {tmp}/missing: no such directory",
        "serve --models {tmp}/models/v-2-6 --port 0|serve: --models {tmp}/models/v-2-6: a model version directory;",
        "serve --models {tmp}/garbage --port 0|serve: --models {tmp}/garbage: {tmp}/garbage/LATEST does not name",
        "serve --models {tmp}/models --port 0 --pin latest|serve: counterflow.serve.pin must be empty or a version",
        "serve --models {tmp}/models --port 0 --pin v-7-7|serve: counterflow.serve.pin v-7-7: ",
        "serve --models {tmp}/models --port 0 --threads 0|serve: counterflow.serve.threads must be in [1, 256]",
        "serve --models {tmp}/models --port 70000|serve: counterflow.serve.port must be in [0, 65535]",
        "serve --models {tmp}/models --port 0 --poll PT0S|serve: counterflow.serve.poll must be at least 10 ms",
        "serve --models {tmp}/models --port 0 --backend tpu|serve: counterflow.serve.backend must be one of",
        "serve --models {tmp}/models --port 0 --model-updates-topic u|serve: counterflow.serve.model-updates-topic"
            + " is set, so counterflow.serve.bootstrap-servers must be too",
    })
    void unusableRootsAndBadServeOptionsAreOneLineUserErrors(String args, String line) {
        String[] r = run(args);
        assertThat(r[2].lines()).as(r[2]).hasSize(1);
        assertThat(r[2].strip()).startsWith(line.replace("{tmp}", tmp.toString())).doesNotContain("Exception");
        assertThat(r[0]).isEqualTo("2");
    }

    @Test
    void thePointerFileIsThePublishers() {
        assertThat(ModelRoot.LATEST).isEqualTo(io.counterflow.connectors.snapshot.PublicationRoot.LATEST);
    }

    @Test
    void aPortInUseIsAUserError() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            String[] r = run("serve --models {tmp}/models --port " + busy.getLocalPort());
            assertThat(r[2].strip()).startsWith("serve: --port " + busy.getLocalPort() + ": cannot listen on");
            assertThat(r[0]).isEqualTo("2");
        }
    }
}
