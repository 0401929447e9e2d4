package io.counterflow.connectors.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.operators.train.PreparedSnapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Unit tests of {@link FileSystemSnapshotPublisher} on the local file system (plain path and file:// URI). */
class FileSystemSnapshotPublisherTest {
    @TempDir Path tmp;

    /** A fake prepared snapshot: a tensor file and a manifest naming the checkpoint. */
    private PreparedSnapshot prepared(long checkpointId, long step) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("staging").resolve("cp-" + checkpointId));
        Files.createDirectories(dir.resolve("tensors"));
        Files.write(dir.resolve("tensors").resolve("embedding.f32"), new byte[] {1, 2, 3, (byte) checkpointId});
        Files.writeString(dir.resolve("manifest.json"), "{\"checkpoint\":" + checkpointId + "}");
        return new PreparedSnapshot(checkpointId, step, step * 10, dir, Map.of("running_auc_ctr", 0.7));
    }

    private List<String> versions(Path base) throws Exception {
        try (Stream<Path> s = Files.list(base)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("v-")).sorted()
                    .collect(Collectors.toList());
        }
    }

    @Test
    void publishesCompleteVersionsBehindLatestAndKeepsTheNewestK() throws Exception {
        Path base = tmp.resolve("models");
        FileSystemSnapshotPublisher p = FileSystemSnapshotPublisher.of(base.toString(), 2);
        p.open();
        assertThat(FileSystemSnapshotPublisher.latest(base.toString())).isNull();
        for (long cp = 1; cp <= 4; cp++) {
            String where = p.publish(prepared(cp, cp * 100));
            assertThat(where).endsWith("v-" + cp + "-" + cp * 100);
            String latest = Files.readString(base.resolve("LATEST"), StandardCharsets.UTF_8).trim();
            assertThat(latest).isEqualTo("v-" + cp + "-" + cp * 100);
            Path dir = base.resolve(latest);
            assertThat(dir.resolve("manifest.json")).hasContent("{\"checkpoint\":" + cp + "}");
            assertThat(Files.readAllBytes(dir.resolve("tensors/embedding.f32")))
                    .containsExactly(1, 2, 3, (byte) cp);
        }
        p.close();
        assertThat(versions(base)).containsExactly("v-3-300", "v-4-400");
        assertThat(base.resolve("LATEST.tmp")).doesNotExist();
        assertThat(FileSystemSnapshotPublisher.latest(base.toString()).getName()).isEqualTo("v-4-400");
    }

    @Test
    void versionsAreOrderedByCheckpointIdNumericallyNotByName() throws Exception {
        Path base = tmp.resolve("models");
        FileSystemSnapshotPublisher p = FileSystemSnapshotPublisher.of("file://" + base, 2);
        p.open();
        p.publish(prepared(9, 5));
        p.publish(prepared(10, 6));
        p.publish(prepared(11, 7));
        assertThat(versions(base)).containsExactlyInAnyOrder("v-10-6", "v-11-7");
    }

    @Test
    void republishingACheckpointIsIdempotentAndAnIncompleteLeftoverIsReplaced() throws Exception {
        Path base = tmp.resolve("models");
        FileSystemSnapshotPublisher p = FileSystemSnapshotPublisher.of(base.toString(), 3);
        p.open();
        p.publish(prepared(1, 10));
        // a crash mid-copy of checkpoint 2 left a version without manifest: LATEST never named it
        Files.createDirectories(base.resolve("v-2-20/tensors"));
        Files.write(base.resolve("v-2-20/tensors/embedding.f32"), new byte[] {9});
        assertThat(FileSystemSnapshotPublisher.latest(base.toString()).getName()).isEqualTo("v-1-10");
        p.publish(prepared(2, 20));
        assertThat(Files.readAllBytes(base.resolve("v-2-20/tensors/embedding.f32"))).containsExactly(1, 2, 3, 2);
        p.publish(prepared(2, 20)); // the same checkpoint again, e.g. after a restore
        assertThat(versions(base)).containsExactly("v-1-10", "v-2-20");
        assertThat(FileSystemSnapshotPublisher.latest(base.toString()).getName()).isEqualTo("v-2-20");
    }

    @Test
    void theAnnouncementNamesPathCheckpointStepAndMetrics() throws Exception {
        JsonNode a = new ObjectMapper().readTree(FileSystemSnapshotPublisher.announcement("/m/v-3-30", "v-3-30",
                prepared(3, 30)));
        assertThat(a.get("path").asText()).isEqualTo("/m/v-3-30");
        assertThat(a.get("version").asText()).isEqualTo("v-3-30");
        assertThat(a.get("checkpoint_id").asLong()).isEqualTo(3);
        assertThat(a.get("step").asLong()).isEqualTo(30);
        assertThat(a.get("trained_samples").asLong()).isEqualTo(300);
        assertThat(a.get("metrics").get("running_auc_ctr").asDouble()).isEqualTo(0.7);
    }

    @Test
    void validatesItsSettings() {
        assertThatThrownBy(() -> FileSystemSnapshotPublisher.of("", 1)).hasMessageContaining("counterflow.snapshot.path");
        assertThatThrownBy(() -> FileSystemSnapshotPublisher.of("/x", 0)).hasMessageContaining("counterflow.snapshot.keep");
        assertThatThrownBy(() -> FileSystemSnapshotPublisher.announcing("/x", 1, "", "model-updates"))
                .hasMessageContaining("bootstrap");
    }
}
