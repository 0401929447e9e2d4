package io.counterflow.model.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * With every drift setting at its default, the generator writes exactly what it wrote before the moving world
 * existed. The pins are SHA-256 digests of the files the generator of commit 31f4535 wrote for these two
 * configurations; the manifest is pinned without the keys added since (it only gained keys).
 */
class GeneratorGoldenTest {
    private static final List<String> DATA_FILES =
            List.of("impressions.jsonl", "clicks.jsonl", "conversions.jsonl", "samples.jsonl");

    @TempDir
    Path dir;

    @Test
    void withDriftOffTheDefaultWorldIsByteIdenticalToThePreDriftGenerator() throws Exception {
        assertPinned(GeneratorConfig.builder().impressions(3_000).build(), List.of(
                "b4427a59a7f4fec23ba26a956092c5c16e45ec4c6c1bbd6933aa36daa95d23af",
                "8474553b4adc3416903395415f0b70452b8bd8957dfd50c8b1c3b98bb4aff027",
                "66d046547c5001be72c433779d278ad6f21b0e47a0124a8328a0c313607cb6b5",
                "2dc3d925e8c35374ccf384d10ff9bc38566a8da580489cdf6ed6b30daf764374"),
                "f378adff63322019f95a4b6a921d0266a46c1cbf11f951034851c286d33093d6");
    }

    @Test
    void withDriftOffACensoringHeavyWorldIsByteIdenticalToThePreDriftGenerator() throws Exception {
        assertPinned(GeneratorConfig.builder().impressions(3_000).users(300).items(80).clickRate(0.1)
                .cvrAmongClicks(0.3).clickWindowMs(60_000).attributionWindowMs(3_600_000).selectionBias(0.5)
                .numericFeatures(false).seed(7).streamSeed(9).build(), List.of(
                "bf395f12ed398091de4024fb136ae7944b0bfcb6a52a3ff058ffacb920b31b74",
                "9fd3fe14f5e9e6e2051b6e46e9a8610be8f739bdeafcb6ebbea66ec8d9809fa6",
                "61608985a2ea509b1818dd05fb240cdfb034b5aefe80225bd9a6a265f1e9f4b9",
                "63c08e6b5c5380ebb4f3204317a190c2e40ad4b110426c8ef0dac3db8880ef72"),
                "9fa21e06d9e25e650a7a96092c4b805a17eab59f233839307ffab311012b8b0f");
    }

    private void assertPinned(GeneratorConfig config, List<String> dataDigests, String manifestDigest)
            throws Exception {
        assertThat(config.drifts()).isFalse();
        new Generator(config).writeTo(dir);
        for (int k = 0; k < DATA_FILES.size(); k++) {
            assertThat(sha256(Files.readAllBytes(dir.resolve(DATA_FILES.get(k))))).as(DATA_FILES.get(k))
                    .isEqualTo(dataDigests.get(k));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(dir.resolve("generator-manifest.json").toFile());
        ((ObjectNode) manifest.get("config")).remove(
                List.of("cvrDriftAmplitude", "cvrDriftPeriodDays", "popularityShiftPerDay", "newItemsPerDay"));
        ((ObjectNode) manifest.get("counts")).remove(List.of("conversions_after_attribution_window", "new_items"));
        ((ObjectNode) manifest.get("realised")).remove("days");
        manifest.remove("conversion_delay");
        assertThat(sha256(json.writeValueAsBytes(manifest))).as("manifest without the new keys")
                .isEqualTo(manifestDigest);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
