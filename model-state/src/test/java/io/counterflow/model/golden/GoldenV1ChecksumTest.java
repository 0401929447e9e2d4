package io.counterflow.model.golden;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The v1 golden files are frozen: every one is listed in {@code golden/v1.sha256} with its SHA-256, and the digest
 * of that list is pinned here. Regenerating or "fixing" a golden to make a test pass would hide exactly the
 * incompatibility it exists to catch, so doing it takes a deliberate edit of this constant — which a reviewer
 * should refuse (golden/README.md: a new format version gets new folders instead).
 */
class GoldenV1ChecksumTest {
    /** SHA-256 of golden/v1.sha256 as committed with the v1 goldens. Never change it. */
    static final String V1_CHECKSUM_LIST_SHA256 = "6ba764ab87962789c11947274841578248ef538fb3e2a25aab996ed276f60e57";

    @Test
    void theV1ChecksumListIsThePinnedOne() throws IOException {
        assertThat(GoldenFiles.sha256(GoldenFiles.resolve(GoldenFiles.V1_CHECKSUMS)))
                .as("SHA-256 of golden/" + GoldenFiles.V1_CHECKSUMS + " (the v1 goldens were changed, regenerated or "
                        + "re-encoded, e.g. by a line-ending conversion; restore them from git)")
                .isEqualTo(V1_CHECKSUM_LIST_SHA256);
    }

    @Test
    void everyV1GoldenFileIsListedAndUnchanged() throws IOException {
        Path root = GoldenFiles.root();
        Map<String, String> listed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve(GoldenFiles.V1_CHECKSUMS), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" {2}", 2);
            assertThat(parts).as("checksum line '%s'", line).hasSize(2);
            listed.put(parts[1], parts[0]);
        }
        assertThat(GoldenFiles.v1Files(root)).as("v1 golden files on disk vs. golden/" + GoldenFiles.V1_CHECKSUMS)
                .containsExactlyElementsOf(listed.keySet());
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> e : listed.entrySet()) {
            String actual = GoldenFiles.sha256(root.resolve(e.getKey()));
            if (!actual.equals(e.getValue())) {
                changed.add(e.getKey() + " (sha256 " + actual + ", listed " + e.getValue() + ")");
            }
        }
        assertThat(changed).as("v1 golden files whose bytes changed; restore them from git, never regenerate v1")
                .isEmpty();
    }
}
