package io.counterflow.connectors.snapshot;

import io.counterflow.model.snapshot.ModelVersion;

import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

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
        ModelVersion v = fromDirectory(dir, checkpointId, step, trainedSamples);
        ModelVersionWriter w = new ModelVersionWriter(new Path(root), new UnregisteredMetricsGroup());
        w.write(v, null);
        List<ModelVersionSinkTest.Request> requests = new ArrayList<>();
        for (StagedVersion s : w.prepareCommit()) {
            requests.add(new ModelVersionSinkTest.Request(s));
        }
        committer.commit(new ArrayList<>(requests));
        return v.name();
    }

    /** A version holding the files of a snapshot directory (the manifest last). */
    public static ModelVersion fromDirectory(java.nio.file.Path dir, long checkpointId, long step, long trained)
            throws IOException {
        List<java.nio.file.Path> paths = new ArrayList<>();
        try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(paths::add);
        }
        paths.sort(Comparator.comparing((java.nio.file.Path p) -> p.getFileName().toString().equals("manifest.json"))
                .thenComparing(java.nio.file.Path::toString));
        ModelVersion v = new ModelVersion();
        v.checkpointId = checkpointId;
        v.step = step;
        v.trainedSamples = trained;
        v.infoJson = "{}";
        v.files = new String[paths.size()];
        v.contents = new byte[paths.size()][];
        for (int i = 0; i < paths.size(); i++) {
            v.files[i] = dir.relativize(paths.get(i)).toString().replace('\\', '/');
            v.contents[i] = Files.readAllBytes(paths.get(i));
        }
        return v;
    }

    @Override
    public void close() {
        committer.close();
    }
}
