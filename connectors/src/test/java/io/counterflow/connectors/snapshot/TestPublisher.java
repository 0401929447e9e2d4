package io.counterflow.connectors.snapshot;

import io.counterflow.model.snapshot.ModelVersion;

import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support for other modules: publishes a snapshot directory into a publication root exactly as the version
 * sink does (its writer stages it, its committer publishes it), without a Flink job.
 */
public final class TestPublisher implements AutoCloseable {
    private final String root;
    private final ModelVersionCommitter committer;

    private TestPublisher(String root, int keep, String bootstrapServers, String topic) {
        this.root = root;
        this.committer = new ModelVersionCommitter(new Path(root), keep, bootstrapServers, topic,
                new UnregisteredMetricsGroup());
    }

    public static TestPublisher of(String root, int keep) {
        return new TestPublisher(root, keep, null, null);
    }

    /** As {@link #of}, announcing every version on {@code topic}. */
    public static TestPublisher announcing(String root, int keep, String bootstrapServers, String topic) {
        return new TestPublisher(root, keep, bootstrapServers, topic);
    }

    /** Publishes the snapshot in {@code dir} as version {@code v-<checkpointId>-<step>}; returns its name. */
    public String publish(long checkpointId, long step, long trainedSamples, java.nio.file.Path dir)
            throws IOException {
        ModelVersion v = ModelVersion.fromDirectory(dir, checkpointId, step, trainedSamples, "{}");
        ModelVersionWriter w = new ModelVersionWriter(new Path(root), new UnregisteredMetricsGroup());
        w.write(v, null);
        List<ModelVersionSinkTest.Request> requests = new ArrayList<>();
        for (StagedVersion s : w.prepareCommit()) {
            requests.add(new ModelVersionSinkTest.Request(s));
        }
        committer.commit(new ArrayList<>(requests));
        return v.name();
    }

    @Override
    public void close() {
        committer.close();
    }
}
