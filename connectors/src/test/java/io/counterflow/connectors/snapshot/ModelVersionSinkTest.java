package io.counterflow.connectors.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.snapshot.ModelVersion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The two phases of {@link ModelVersionSink} on the local file system: staging, publishing behind LATEST with
 * retention, idempotent re-commits after a restore, subsumed and aborted versions, failures that never fail the
 * job, the committable's versioned serialisation.
 */
class ModelVersionSinkTest {
    @TempDir java.nio.file.Path tmp;

    /** A fake version: a tensor file and a manifest naming its checkpoint. */
    private static ModelVersion version(long checkpointId, long step) {
        ModelVersion v = new ModelVersion();
        v.checkpointId = checkpointId;
        v.step = step;
        v.trainedSamples = step * 10;
        v.infoJson = "{\"running_auc_ctr\":0.7,\"checkpoint_id\":" + checkpointId + "}";
        v.files = new String[] {"tensors/embedding.f32", "manifest.json"};
        v.contents = new byte[][] {{1, 2, 3, (byte) checkpointId},
            ("{\"checkpoint\":" + checkpointId + "}").getBytes(StandardCharsets.UTF_8)};
        return v;
    }

    /** A commit request that records how the committer answered. */
    static final class Request implements CommitRequest<StagedVersion> {
        final StagedVersion committable;
        int retries;
        String outcome = "committed";

        Request(StagedVersion committable) {
            this.committable = committable;
        }

        @Override
        public StagedVersion getCommittable() {
            return committable;
        }

        @Override
        public int getNumberOfRetries() {
            return retries;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            outcome = "failed";
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            outcome = "failed-unknown";
        }

        @Override
        public void retryLater() {
            outcome = "retry";
        }

        @Override
        public void updateAndRetryLater(StagedVersion c) {
            outcome = "retry";
        }

        @Override
        public void signalAlreadyCommitted() {
            outcome = "already";
        }
    }

    private java.nio.file.Path base() {
        return tmp.resolve("models");
    }

    private StagedVersion stage(ModelVersion v) throws Exception {
        ModelVersionWriter w = new ModelVersionWriter(new Path(base().toString()), new UnregisteredMetricsGroup());
        w.write(v, null);
        List<StagedVersion> staged = new ArrayList<>(w.prepareCommit());
        assertThat(staged).hasSize(1);
        assertThat(w.prepareCommit()).as("handed over once").isEmpty();
        return staged.get(0);
    }

    private List<Request> commit(int keep, StagedVersion... staged) {
        ModelVersionCommitter c = new ModelVersionCommitter(new Path(base().toString()), keep, null, null,
                new UnregisteredMetricsGroup());
        List<Request> rs = new ArrayList<>();
        for (StagedVersion s : staged) {
            rs.add(new Request(s));
        }
        c.commit(new ArrayList<>(rs));
        c.close();
        return rs;
    }

    private List<String> versions() throws Exception {
        try (Stream<java.nio.file.Path> s = Files.list(base())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("v-")).sorted()
                    .collect(Collectors.toList());
        }
    }

    private String latest() throws Exception {
        return Files.readString(base().resolve("LATEST"), StandardCharsets.UTF_8).trim();
    }

    private List<String> staging() throws Exception {
        java.nio.file.Path s = base().resolve(PublicationRoot.STAGING);
        if (!Files.exists(s)) {
            return List.of();
        }
        try (Stream<java.nio.file.Path> l = Files.list(s)) {
            return l.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }

    @Test
    void stagedVersionsArePublishedBehindLatestOnlyAtCommitAndTheNewestKAreKept() throws Exception {
        for (long cp = 1; cp <= 4; cp++) {
            StagedVersion s = stage(version(cp, cp * 100));
            if (cp == 1) {
                assertThat(PublicationRoot.latest(base().toString())).as("nothing before the commit").isNull();
            }
            assertThat(commit(2, s)).extracting(r -> r.outcome).containsExactly("committed");
            assertThat(latest()).isEqualTo("v-" + cp + "-" + cp * 100);
            java.nio.file.Path dir = base().resolve(latest());
            assertThat(dir.resolve("manifest.json")).hasContent("{\"checkpoint\":" + cp + "}");
            assertThat(Files.readAllBytes(dir.resolve("tensors/embedding.f32"))).containsExactly(1, 2, 3, (byte) cp);
        }
        assertThat(versions()).containsExactly("v-3-300", "v-4-400");
        assertThat(staging()).isEmpty();
        assertThat(base().resolve("LATEST.tmp")).doesNotExist();
        assertThat(PublicationRoot.latest("file://" + base()).getName()).isEqualTo("v-4-400");
    }

    @Test
    void versionsAreOrderedByCheckpointIdNumericallyNotByName() throws Exception {
        commit(2, stage(version(9, 5)));
        commit(2, stage(version(10, 6)));
        commit(2, stage(version(11, 7)));
        assertThat(versions()).containsExactlyInAnyOrder("v-10-6", "v-11-7");
    }

    @Test
    void aCommittableCommittedAgainAfterARestoreChangesNothing() throws Exception {
        StagedVersion s1 = stage(version(1, 10));
        commit(3, s1);
        StagedVersion s2 = stage(version(2, 20));
        commit(3, s2);
        long mtime = Files.getLastModifiedTime(base().resolve("v-1-10")).toMillis();
        // the committer's state restored from checkpoint 1 holds s1 again
        assertThat(commit(3, s1)).extracting(r -> r.outcome).containsExactly("already");
        assertThat(latest()).as("LATEST does not go back").isEqualTo("v-2-20");
        assertThat(versions()).containsExactly("v-1-10", "v-2-20");
        assertThat(Files.getLastModifiedTime(base().resolve("v-1-10")).toMillis()).isEqualTo(mtime);
    }

    @Test
    void olderVersionsInOneCommitAreSubsumedAndAnAbortedCheckpointsStagedFilesAreDeleted() throws Exception {
        StagedVersion aborted = stage(version(5, 50)); // its checkpoint never completes: never committed
        StagedVersion s6 = stage(version(6, 60));
        StagedVersion s7 = stage(version(7, 70));
        assertThat(staging()).hasSize(3);
        List<Request> rs = commit(3, s7, s6);
        assertThat(rs).extracting(r -> r.outcome).containsExactly("committed", "already");
        assertThat(versions()).containsExactly("v-7-70");
        assertThat(latest()).isEqualTo("v-7-70");
        assertThat(staging()).as("the aborted and the subsumed staged files are gone").isEmpty();
        assertThat(aborted.checkpointId).isEqualTo(5);
    }

    @Test
    void theSameModelUnderANewCheckpointIsNotPublishedAgain() throws Exception {
        commit(3, stage(version(3, 30)));
        List<Request> rs = commit(3, stage(version(4, 30))); // e.g. restored and checkpointed without training
        assertThat(rs).extracting(r -> r.outcome).containsExactly("already");
        assertThat(versions()).containsExactly("v-3-30");
    }

    @Test
    void missingStagedFilesAreRefusedWithoutFailingAndLatestStays() throws Exception {
        commit(3, stage(version(1, 10)));
        StagedVersion lost = stage(version(2, 20));
        java.nio.file.Path dir = java.nio.file.Paths.get(new Path(lost.stagedPath).toUri().getPath());
        try (Stream<java.nio.file.Path> w = Files.walk(dir)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThat(commit(3, lost)).extracting(r -> r.outcome).containsExactly("failed");
        assertThat(latest()).isEqualTo("v-1-10");
        assertThat(versions()).containsExactly("v-1-10");
    }

    @Test
    void anIncompleteLeftoverVersionDirectoryIsReplaced() throws Exception {
        commit(3, stage(version(1, 10)));
        Files.createDirectories(base().resolve("v-2-20/tensors"));
        Files.write(base().resolve("v-2-20/tensors/embedding.f32"), new byte[] {9});
        commit(3, stage(version(2, 20)));
        assertThat(Files.readAllBytes(base().resolve("v-2-20/tensors/embedding.f32"))).containsExactly(1, 2, 3, 2);
        assertThat(latest()).isEqualTo("v-2-20");
    }

    @Test
    void theCommittableRoundTripsAndAnUnknownSerializerVersionIsRejected() throws Exception {
        StagedVersion s = stage(version(3, 30));
        StagedVersion.Serializer ser = new StagedVersion.Serializer();
        assertThat(ser.deserialize(ser.getVersion(), ser.serialize(s))).isEqualTo(s);
        assertThatThrownBy(() -> ser.deserialize(9, ser.serialize(s)))
                .hasMessageContaining("unknown serializer version 9");
    }

    @Test
    void theAnnouncementNamesPathCheckpointStepAndMetrics() throws Exception {
        StagedVersion s = stage(version(3, 30));
        JsonNode a = new ObjectMapper().readTree(ModelVersionCommitter.announcement("/m/v-3-30", s));
        assertThat(a.get("path").asText()).isEqualTo("/m/v-3-30");
        assertThat(a.get("version").asText()).isEqualTo("v-3-30");
        assertThat(a.get("checkpoint_id").asLong()).isEqualTo(3);
        assertThat(a.get("step").asLong()).isEqualTo(30);
        assertThat(a.get("trained_samples").asLong()).isEqualTo(300);
        assertThat(a.get("metrics").get("running_auc_ctr").asDouble()).isEqualTo(0.7);
    }

    @Test
    void settingsAreValidatedWithTheirKeys() {
        assertThatThrownBy(() -> ModelVersionSink.of("", 2)).hasMessageContaining("counterflow.snapshot.path");
        assertThatThrownBy(() -> ModelVersionSink.of("/x", 0)).hasMessageContaining("counterflow.snapshot.keep");
        assertThatThrownBy(() -> ModelVersionSink.announcing("/x", 2, "", "t"))
                .hasMessageContaining("bootstrap servers");
    }
}
