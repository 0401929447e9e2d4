package io.counterflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code generate}'s options reach the generator: world size (bounding the ids it emits), drift, delays, windows. */
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

    @Test
    void driftDelayAndWindowOptionsReachTheGenerator() throws Exception {
        Path out = tmp.resolve("d");
        int rc = new CommandLine(new CounterflowCli()).execute("generate", "--out", out.toString(), "--impressions",
                "20000", "--users", "500", "--items", "100", "--click-rate", "0.3", "--cvr", "0.5", "--days", "3",
                "--drift-amplitude", "0.4", "--drift-period", "7", "--popularity-shift", "0.05",
                "--new-items-per-day", "20", "--attribution-window", "P2D", "--click-window", "PT15M",
                "--conversion-delay-median", "PT30M", "--conversion-share-after-day", "0.1");
        assertThat(rc).isZero();
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("generator-manifest.json").toFile());
        JsonNode config = manifest.get("config");
        assertThat(config.get("cvrDriftAmplitude").asDouble()).isEqualTo(0.4);
        assertThat(config.get("cvrDriftPeriodDays").asDouble()).isEqualTo(7);
        assertThat(config.get("popularityShiftPerDay").asDouble()).isEqualTo(0.05);
        assertThat(config.get("newItemsPerDay").asDouble()).isEqualTo(20);
        assertThat(config.get("attributionWindowMs").asLong()).isEqualTo(2 * 86_400_000L);
        assertThat(config.get("clickWindowMs").asLong()).isEqualTo(15 * 60_000L);
        assertThat(config.get("conversionFastFraction").asDouble()).isEqualTo(1);
        assertThat(config.get("conversionFastMedianMs").asDouble()).isEqualTo(30 * 60_000.0);
        assertThat(manifest.get("realised").get("days").asDouble()).isCloseTo(3, within(0.05));
        assertThat(manifest.get("counts").get("new_items").asLong()).isBetween(35L, 85L);
        assertThat(manifest.get("conversion_delay").get("model_share_after_one_day").asDouble())
                .isCloseTo(0.1, within(1e-6));
        try (Stream<String> lines = Files.lines(out.resolve("outcomes.jsonl"))) {
            assertThat(lines.count()).isEqualTo(20000);
        }
    }

    @Test
    void aShareAfterOneDayWithoutAMedianIsRejectedWithOneLine() {
        StringWriter err = new StringWriter();
        CommandLine cl = CounterflowCli.commandLine();
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("generate", "--out", tmp.resolve("y").toString(), "--conversion-share-after-day", "0.1");
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).startsWith("generate: ").contains("--conversion-delay-median")
                .doesNotContain("\tat ");
    }
}
