package io.counterflow.connectors.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Phase two of {@link ModelVersionSink}: publishes staged versions of completed checkpoints. Per call, only the
 * newest staged version is published; older ones in the same call are subsumed. A version already in place (a
 * committable restored after a failure) is left alone; so is one with the step of the version {@code LATEST}
 * names (the same model again). Failures are retried at the next checkpoint a few times, then dropped with a log
 * line and a metric; they never fail the job.
 */
final class ModelVersionCommitter implements Committer<StagedVersion> {
    private static final Logger LOG = LoggerFactory.getLogger(ModelVersionCommitter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Commit attempts of one version before it is dropped. */
    static final int MAX_RETRIES = 3;

    private final Path base;
    private final int keep;
    private final String bootstrapServers;
    private final String topic;
    private final Counter versionsPublished;
    private final Counter publishFailures;
    private volatile long lastPublishedCheckpoint = -1;
    private KafkaProducer<byte[], byte[]> producer;

    ModelVersionCommitter(Path base, int keep, String bootstrapServers, String topic, MetricGroup metrics) {
        this.base = base;
        this.keep = keep;
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.versionsPublished = metrics.counter("versionsPublished");
        this.publishFailures = metrics.counter("publishFailures");
        metrics.gauge("lastPublishedCheckpoint", () -> lastPublishedCheckpoint);
    }

    @Override
    public void commit(Collection<CommitRequest<StagedVersion>> requests) {
        if (requests.isEmpty()) {
            return;
        }
        List<CommitRequest<StagedVersion>> sorted = new ArrayList<>(requests);
        sorted.sort(Comparator.comparingLong((CommitRequest<StagedVersion> r) -> r.getCommittable().checkpointId)
                .thenComparingLong(r -> r.getCommittable().step));
        CommitRequest<StagedVersion> newest = sorted.get(sorted.size() - 1);
        FileSystem fs;
        try {
            fs = base.getFileSystem();
        } catch (IOException e) {
            retryOrDrop(newest, e);
            return;
        }
        for (CommitRequest<StagedVersion> r : sorted) {
            StagedVersion s = r.getCommittable();
            try {
                if (fs.exists(new Path(new Path(base, s.name), PublicationRoot.MANIFEST))) {
                    deleteQuietly(fs, new Path(s.stagedPath)); // committed before a restore: nothing to do
                    r.signalAlreadyCommitted();
                } else if (r != newest) {
                    deleteQuietly(fs, new Path(s.stagedPath)); // subsumed by a newer version in this commit
                    r.signalAlreadyCommitted();
                } else {
                    publish(fs, r);
                }
            } catch (IOException | RuntimeException e) {
                retryOrDrop(r, e);
            }
        }
        cleanStaging(fs, newest.getCommittable());
    }

    private void publish(FileSystem fs, CommitRequest<StagedVersion> r) throws IOException {
        StagedVersion s = r.getCommittable();
        Path staged = new Path(s.stagedPath);
        Path target = new Path(base, s.name);
        Path current = PublicationRoot.latest(base.toString());
        if (current != null && PublicationRoot.stepOf(current.getName()) == s.step) {
            LOG.info("Model version {} has the step of {} (the same model): not published again", s.name,
                    current.getName());
            deleteQuietly(fs, staged);
            r.signalAlreadyCommitted();
            return;
        }
        if (!fs.exists(new Path(staged, PublicationRoot.MANIFEST))) {
            publishFailures.inc();
            LOG.warn("Staged model version {} is missing or incomplete at {}: not published", s.name, staged);
            r.signalFailedWithKnownReason(new IOException("staged files missing: " + staged));
            return;
        }
        if (fs.exists(target)) {
            fs.delete(target, true); // an incomplete leftover (no manifest); LATEST never named it
        }
        if (!fs.rename(staged, target)) {
            copyDirectory(fs, staged, target); // stores without directory renames: manifest last
            deleteQuietly(fs, staged);
        }
        PublicationRoot.switchLatest(fs, base, s.name);
        PublicationRoot.retain(fs, base, s.name, keep);
        versionsPublished.inc();
        lastPublishedCheckpoint = s.checkpointId;
        LOG.info("Published model version {} (checkpoint {}, step {}, {} samples) to {}", s.name, s.checkpointId,
                s.step, s.trainedSamples, target);
        announce(target, s);
    }

    private void retryOrDrop(CommitRequest<StagedVersion> r, Exception e) {
        if (r.getNumberOfRetries() < MAX_RETRIES) {
            LOG.warn("Could not publish model version {}; retrying at the next checkpoint", r.getCommittable().name, e);
            r.retryLater();
        } else {
            publishFailures.inc();
            LOG.warn("Could not publish model version {} after {} attempts; a later checkpoint publishes a newer"
                    + " one", r.getCommittable().name, r.getNumberOfRetries() + 1, e);
            r.signalFailedWithKnownReason(e);
        }
    }

    /** Deletes staged directories of checkpoints up to {@code newest}'s: aborted or failed attempts. */
    private void cleanStaging(FileSystem fs, StagedVersion newest) {
        Path staging = new Path(base, PublicationRoot.STAGING);
        try {
            FileStatus[] entries = fs.exists(staging) ? fs.listStatus(staging) : null;
            if (entries == null) {
                return;
            }
            for (FileStatus st : entries) {
                String n = st.getPath().getName();
                int dash = n.indexOf('-', 2);
                long cp;
                try {
                    cp = Long.parseLong(n.substring(2, dash));
                } catch (RuntimeException e) {
                    continue; // not ours
                }
                if (n.startsWith("v-") && cp <= newest.checkpointId
                        && !st.getPath().toString().equals(new Path(newest.stagedPath).toString())) {
                    deleteQuietly(fs, st.getPath());
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not clean {}", staging, e);
        }
    }

    private static void copyDirectory(FileSystem fs, Path src, Path dst) throws IOException {
        List<Path> files = new ArrayList<>();
        listFiles(fs, src, files);
        files.sort(Comparator.comparing((Path p) -> p.getName().equals(PublicationRoot.MANIFEST))
                .thenComparing(Path::toString));
        String prefix = src.toString();
        for (Path f : files) {
            Path out = new Path(dst, f.toString().substring(prefix.length() + 1));
            fs.mkdirs(out.getParent());
            try (FSDataInputStream in = fs.open(f);
                    FSDataOutputStream o = fs.create(out, FileSystem.WriteMode.OVERWRITE)) {
                in.transferTo(o);
                o.sync();
            }
        }
    }

    private static void listFiles(FileSystem fs, Path dir, List<Path> out) throws IOException {
        for (FileStatus st : fs.listStatus(dir)) {
            if (st.isDir()) {
                listFiles(fs, st.getPath(), out);
            } else {
                out.add(st.getPath());
            }
        }
    }

    private static void deleteQuietly(FileSystem fs, Path p) {
        try {
            if (fs.exists(p)) {
                fs.delete(p, true);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete {}", p, e);
        }
    }

    private void announce(Path target, StagedVersion s) {
        if (topic == null) {
            return;
        }
        try {
            if (producer == null) {
                Properties p = new Properties();
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
                p.put(ProducerConfig.ACKS_CONFIG, "all");
                p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
                p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
                p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
                producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            }
            producer.send(new ProducerRecord<>(topic, s.name.getBytes(StandardCharsets.UTF_8),
                    announcement(target.toString(), s))).get();
        } catch (Exception e) {
            LOG.warn("Could not announce model version {} on topic {}", s.name, topic, e);
        }
    }

    /** The announcement record's JSON value. */
    static byte[] announcement(String path, StagedVersion s) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("version", s.name);
        m.put("checkpoint_id", s.checkpointId);
        m.put("step", s.step);
        m.put("trained_samples", s.trainedSamples);
        m.put("metrics", JSON.readTree(s.infoJson));
        return JSON.writeValueAsBytes(m);
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
            producer = null;
        }
    }
}
