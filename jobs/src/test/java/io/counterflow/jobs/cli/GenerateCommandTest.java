package io.counterflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code generate}'s world-size options reach the generator and bound the ids it emits. */
class GenerateCommandTest {
    @TempDir Path tmp;

    @Test
    void worldSizeOptionsShapeTheWorld() throws Exception {
        Path out = tmp.resolve("w");
        int rc = new CommandLine(new CounterflowCli()).execute("generate", "--out", out.toString(), "--impressions",
                "4000", "--seed", "3", "--users", "40", "--items", "15", "--latent-dim", "2");
        assertThat(rc).isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(out.resolve("generator-manifest.json").toFile());
        assertThat(manifest.findValue("users").asInt()).isEqualTo(40);
        assertThat(manifest.findValue("items").asInt()).isEqualTo(15);
        assertThat(manifest.findValue("latentDim").asInt()).isEqualTo(2);
        Set<String> users = new HashSet<>();
        Set<String> items = new HashSet<>();
        long lines = 0;
        try (BufferedReader r = Files.newBufferedReader(out.resolve("samples.jsonl"))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode f = json.readTree(line).get("features");
                users.add(f.get("user_id").asText());
                items.add(f.get("item_id").asText());
                lines++;
            }
        }
        assertThat(lines).isEqualTo(4000);
        assertThat(users).hasSizeLessThanOrEqualTo(40).hasSizeGreaterThan(20);
        assertThat(items).hasSizeLessThanOrEqualTo(15).hasSizeGreaterThan(5);
    }

    @Test
    void invalidWorldSizeIsRejectedWithOneLine() {
        StringWriter err = new StringWriter();
        CommandLine cl = CounterflowCli.commandLine();
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("generate", "--out", tmp.resolve("x").toString(), "--users", "0");
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).startsWith("generate: ").contains("users must be >= 1").doesNotContain("\tat ");
    }
}
