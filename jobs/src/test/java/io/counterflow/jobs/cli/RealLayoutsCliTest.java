package io.counterflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI on the real Ali-CCP and AliExpress sample layouts (model-state test resources, copied with their
 * licence notes): train with every numeric column declared, then score and evaluate a held-out file.
 */
class RealLayoutsCliTest {
    @TempDir Path tmp;

    /** Copies a data file out of model-state's test-jar. */
    private Path data(String rel) throws java.io.IOException {
        Path target = tmp.resolve("data").resolve(rel);
        if (!Files.exists(target)) {
            Files.createDirectories(target.getParent());
            try (java.io.InputStream in = RealLayoutsCliTest.class.getResourceAsStream("/data/" + rel)) {
                Files.copy(in, target);
            }
        }
        return target;
    }

    private static int run(String... args) {
        return new CommandLine(new CounterflowCli()).execute(args);
    }

    private static String captureStdout(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(run(args)).isZero();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aliCcpTrainsScoresAndEvaluates() throws Exception {
        String numeric = "D109_14,D110_14,D127_14,D150_14,D508,D509,D702,D853";
        Path model = tmp.resolve("ali-ccp");
        assertThat(run("train", "--samples", data("ali-ccp-sample/ali_ccp_train_sample.csv").toString(), "--numeric",
                numeric, "--objective", "escm2-dr", "--extractor", "mmoe", "--batch-size", "32", "--epochs", "2",
                "--buckets", "4096", "--backend", "java", "--model-out", model.toString())).isZero();
        JsonNode manifest = new ObjectMapper().readTree(model.resolve("manifest.json").toFile());
        assertThat(manifest.at("/feature_space/numeric")).hasSize(8);
        assertThat(manifest.at("/feature_space/categorical")).hasSize(23);
        assertThat(manifest.at("/counters/trained_samples").asLong()).isEqualTo(200);

        Path preds = tmp.resolve("p.jsonl");
        assertThat(run("score", "--model", model.toString(), "--input",
                data("ali-ccp-sample/ali_ccp_test_sample.csv").toString(), "--numeric", numeric, "--output",
                preds.toString())).isZero();
        List<String> lines = Files.readAllLines(preds);
        assertThat(lines).hasSize(50);
        JsonNode p = new ObjectMapper().readTree(lines.get(0));
        assertThat(p.get("ctcvr").asDouble()).isCloseTo(p.get("ctr").asDouble() * p.get("cvr").asDouble(),
                org.assertj.core.data.Offset.offset(1e-6));

        String json = captureStdout("evaluate", "--model", model.toString(), "--samples",
                data("ali-ccp-sample/ali_ccp_val_sample.csv").toString(), "--numeric", numeric);
        JsonNode m = new ObjectMapper().readTree(json.trim());
        assertThat(m.at("/counts/samples").asInt()).isEqualTo(50);
        assertThat(m.has("ctr") && m.has("cvr_click_space") && m.has("ctcvr")).isTrue();
        assertThat(m.has("cvr_entire_space")).as("no truth in real data").isFalse();
    }

    @Test
    void aliExpressLayoutWithSixtyThreeNumericColumns() throws Exception {
        StringBuilder numeric = new StringBuilder();
        for (int i = 1; i <= 63; i++) {
            numeric.append(i == 1 ? "" : ",").append("numerical_").append(i);
        }
        Path model = tmp.resolve("aliexpress");
        assertThat(run("train", "--samples", data("aliexpress-sample/train.csv").toString(), "--numeric",
                numeric.toString(), "--objective", "dcmt", "--batch-size", "25", "--buckets", "4096", "--backend",
                "java", "--model-out", model.toString())).isZero();
        JsonNode manifest = new ObjectMapper().readTree(model.resolve("manifest.json").toFile());
        assertThat(manifest.at("/feature_space/numeric")).hasSize(63);
        // search_id + categorical_1..16
        assertThat(manifest.at("/feature_space/categorical")).hasSize(17);
        String json = captureStdout("evaluate", "--model", model.toString(), "--samples",
                data("aliexpress-sample/test.csv").toString(), "--numeric", numeric.toString());
        assertThat(new ObjectMapper().readTree(json.trim()).at("/counts/samples").asInt()).isEqualTo(100);
    }
}
