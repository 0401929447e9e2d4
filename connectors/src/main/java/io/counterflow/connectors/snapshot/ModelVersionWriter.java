package io.counterflow.connectors.snapshot;

import io.counterflow.model.snapshot.ModelVersion;

import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * Phase one of {@link ModelVersionSink}: writes each received version completely (the manifest last, every file
 * synced) into {@code <root>/.staging/<version>-<random>} and hands the staged versions over at the next checkpoint
 * barrier. The random suffix keeps attempts of the same checkpoint apart.
 */
final class ModelVersionWriter implements CommittingSinkWriter<ModelVersion, StagedVersion> {
    private static final Logger LOG = LoggerFactory.getLogger(ModelVersionWriter.class);

    private final Path base;
    private final List<StagedVersion> staged = new ArrayList<>();
    private final Counter versionsStaged;
    private final Counter stagingFailures;

    ModelVersionWriter(Path base, MetricGroup metrics) {
        this.base = base;
        this.versionsStaged = metrics.counter("versionsStaged");
        this.stagingFailures = metrics.counter("stagingFailures");
    }

    @Override
    public void write(ModelVersion v, Context context) throws IOException {
        Path dir = new Path(new Path(base, PublicationRoot.STAGING), v.name() + "-" + UUID.randomUUID());
        FileSystem fs = dir.getFileSystem();
        try {
            fs.mkdirs(dir);
            for (int i = 0; i < v.files.length; i++) {
                Path f = new Path(dir, v.files[i]);
                fs.mkdirs(f.getParent());
                try (FSDataOutputStream out = fs.create(f, FileSystem.WriteMode.OVERWRITE)) {
                    out.write(v.contents[i]);
                    out.sync(); // durable before the checkpoint that commits it can complete
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not fatal: the next checkpoint's version replaces it. The partial directory is deleted at a commit.
            stagingFailures.inc();
            LOG.warn("Could not stage model version {} under {}", v.name(), dir, e);
            return;
        }
        staged.add(new StagedVersion(v.name(), v.checkpointId, v.step, v.trainedSamples, dir.toString(),
                v.infoJson));
        versionsStaged.inc();
    }

    @Override
    public Collection<StagedVersion> prepareCommit() {
        List<StagedVersion> out = new ArrayList<>(staged);
        staged.clear();
        return out;
    }

    @Override
    public void flush(boolean endOfInput) {}

    @Override
    public void close() {}
}
