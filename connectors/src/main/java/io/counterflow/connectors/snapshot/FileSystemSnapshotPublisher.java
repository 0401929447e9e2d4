package io.counterflow.connectors.snapshot;

import io.counterflow.operators.train.PreparedSnapshot;
import io.counterflow.operators.train.SnapshotPublisher;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.counterflow.operators.join.Setting;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Publishes each prepared model snapshot as a new version directory {@code <base>/v-<checkpointId>-<step>} on any
 * Flink {@link FileSystem} (a local path, {@code file://}, {@code hdfs://}, {@code s3://} ... with the matching
 * Flink file-system plugin), then switches the pointer file {@code <base>/LATEST} (one line: the version's name)
 * to it, keeps the newest {@code keep} versions and deletes older ones, and optionally announces the version on a
 * Kafka topic.
 *
 * <h2>Readers never see a half-written version</h2>
 * A reader resolves {@code LATEST} ({@link #latest}) and loads the version it names. {@code LATEST} is switched
 * only after every file of the version is written and closed (the manifest last), by writing {@code LATEST.tmp}
 * and renaming it over {@code LATEST}: atomic on local and POSIX file systems. On file systems whose rename cannot
 * replace (HDFS), the old pointer is deleted first, so a reader may briefly find no {@code LATEST} and must retry
 * (object stores such as S3 have atomic whole-object writes, and there the rename is a copy of one small file).
 * A version directory without {@code manifest.json} is incomplete (a crash mid-copy) and is never named by
 * {@code LATEST}; it is replaced if the same checkpoint is published again and otherwise removed by retention.
 * Retention never deletes the version {@code LATEST} names.
 *
 * <h2>Announcements</h2>
 * With an announcement topic, each published version is announced as one JSON record (key: the version name):
 * {@code {"path":"<base>/v-12-3400","version":"v-12-3400","checkpoint_id":12,"step":3400,
 * "trained_samples":870400,"metrics":{...the snapshot's info...}}}. Announcements are at-least-once (a restore can
 * announce a checkpoint again) and are not transactional: consumers should treat them as hints and read
 * {@code LATEST}. A failed announcement is logged, never fatal.
 */
public final class FileSystemSnapshotPublisher implements SnapshotPublisher {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemSnapshotPublisher.class);

    /** Where versions are published. */
    public static final Setting<String> BASE_PATH = Setting.required(ConfigOptions.key("counterflow.snapshot.path")
            .stringType().defaultValue("").withDescription("Directory (local path or Flink file-system URI) under"
                    + " which model versions v-<checkpoint>-<step> and the LATEST pointer are published. Required."),
            "a directory (local path or file-system URI)", p -> !p.isBlank());
    /** Versions to keep. */
    public static final Setting<Integer> KEEP = Setting.of(ConfigOptions.key("counterflow.snapshot.keep").intType()
            .defaultValue(5).withDescription("Number of newest model versions kept; older ones are deleted."),
            "at least 1", n -> n >= 1);
    /** Kafka topic of announcements; empty: none. */
    public static final Setting<String> ANNOUNCE_TOPIC = Setting.of(
            ConfigOptions.key("counterflow.snapshot.announce-topic").stringType().defaultValue("")
                    .withDescription("Kafka topic on which every published version is announced as JSON (e.g."
                            + " model-updates); empty: no announcements."),
            "a topic name or empty", t -> t != null);

    /** Every setting of the publisher. */
    public static final List<Setting<?>> SETTINGS = List.of(BASE_PATH, KEEP, ANNOUNCE_TOPIC);

    /** Name of the pointer file. */
    public static final String LATEST = "LATEST";
    private static final String LATEST_TMP = "LATEST.tmp";
    private static final String MANIFEST = "manifest.json";
    private static final Pattern VERSION = Pattern.compile("v-(\\d+)-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String basePath;
    private final int keep;
    private final String announceBootstrapServers;
    private final String announceTopic;

    private transient KafkaProducer<byte[], byte[]> producer;

    private FileSystemSnapshotPublisher(String basePath, int keep, String bootstrapServers, String topic) {
        BASE_PATH.check(basePath == null ? "" : basePath);
        KEEP.check(keep);
        boolean announce = topic != null && !topic.isBlank();
        if (announce && (bootstrapServers == null || bootstrapServers.isBlank())) {
            throw new IllegalArgumentException(ANNOUNCE_TOPIC.key() + " is set, so Kafka bootstrap servers are needed");
        }
        this.basePath = basePath;
        this.keep = keep;
        this.announceBootstrapServers = announce ? bootstrapServers : null;
        this.announceTopic = announce ? topic : null;
    }

    /**
     * The publisher the configuration describes ({@link #SETTINGS}); announcements go to the Kafka cluster at
     * {@code bootstrapServers}.
     */
    public static FileSystemSnapshotPublisher fromConfig(ReadableConfig config, String bootstrapServers) {
        return new FileSystemSnapshotPublisher(BASE_PATH.read(config), KEEP.read(config), bootstrapServers,
                ANNOUNCE_TOPIC.read(config));
    }

    /** Publishes under {@code basePath}, keeping the newest {@code keep} versions; no announcements. */
    public static FileSystemSnapshotPublisher of(String basePath, int keep) {
        return new FileSystemSnapshotPublisher(basePath, keep, null, null);
    }

    /** As {@link #of}, and announces every version on {@code topic}. */
    public static FileSystemSnapshotPublisher announcing(String basePath, int keep, String bootstrapServers,
            String topic) {
        return new FileSystemSnapshotPublisher(basePath, keep, bootstrapServers,
                Objects.requireNonNull(topic, "topic"));
    }

    @Override
    public void open() throws IOException {
        Path base = new Path(basePath);
        base.getFileSystem().mkdirs(base);
        if (announceTopic != null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, announceBootstrapServers);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }
    }

    @Override
    public String publish(PreparedSnapshot s) throws IOException {
        Path base = new Path(basePath);
        FileSystem fs = base.getFileSystem();
        String name = versionName(s.checkpointId(), s.step());
        Path target = new Path(base, name);
        if (fs.exists(new Path(target, MANIFEST))) {
            // The same checkpoint published again (e.g. after a restore): identical content, already complete.
            LOG.info("Model version {} already exists; switching {} to it", target, LATEST);
        } else {
            if (fs.exists(target)) {
                fs.delete(target, true); // incomplete leftover of a crash mid-copy; LATEST never named it
            }
            copyDirectory(s.directory(), fs, target);
        }
        switchLatest(fs, base, name);
        retain(fs, base, name);
        announce(target, name, s);
        return target.toString();
    }

    static String versionName(long checkpointId, long step) {
        return "v-" + checkpointId + "-" + step;
    }

    /** Copies a local directory tree, {@code manifest.json} files last. */
    private static void copyDirectory(java.nio.file.Path src, FileSystem fs, Path target) throws IOException {
        List<java.nio.file.Path> files = new ArrayList<>();
        try (Stream<java.nio.file.Path> walk = Files.walk(src)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        files.sort(Comparator.comparing((java.nio.file.Path p) -> p.getFileName().toString().equals(MANIFEST))
                .thenComparing(java.nio.file.Path::toString));
        fs.mkdirs(target);
        for (java.nio.file.Path f : files) {
            String rel = src.relativize(f).toString().replace('\\', '/');
            Path dst = new Path(target, rel);
            fs.mkdirs(dst.getParent());
            try (InputStream in = Files.newInputStream(f);
                    FSDataOutputStream out = fs.create(dst, FileSystem.WriteMode.OVERWRITE)) {
                in.transferTo(out);
                out.sync(); // durable before LATEST can name it
            }
        }
    }

    private static void switchLatest(FileSystem fs, Path base, String name) throws IOException {
        Path tmp = new Path(base, LATEST_TMP);
        Path latest = new Path(base, LATEST);
        try (FSDataOutputStream out = fs.create(tmp, FileSystem.WriteMode.OVERWRITE)) {
            out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
            out.sync();
        }
        URI uri = base.toUri();
        if (!fs.isDistributedFS() && (uri.getScheme() == null || uri.getScheme().equals("file"))) {
            java.nio.file.Path t = java.nio.file.Paths.get(new Path(base, LATEST_TMP).toUri().getPath());
            java.nio.file.Path l = java.nio.file.Paths.get(latest.toUri().getPath());
            try {
                Files.move(t, l, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return;
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(t, l, StandardCopyOption.REPLACE_EXISTING);
                return;
            }
        }
        if (!fs.rename(tmp, latest)) {
            // This file system cannot rename over an existing file: delete, then rename (readers retry).
            fs.delete(latest, false);
            if (!fs.rename(tmp, latest)) {
                throw new IOException("could not rename " + tmp + " to " + latest);
            }
        }
    }

    /** Deletes all but the newest {@code keep} versions (by checkpoint id, then step), never {@code current}. */
    private void retain(FileSystem fs, Path base, String current) throws IOException {
        FileStatus[] listing = fs.listStatus(base);
        if (listing == null) {
            return;
        }
        List<long[]> versions = new ArrayList<>();
        Map<String, Path> paths = new LinkedHashMap<>();
        for (FileStatus st : listing) {
            String n = st.getPath().getName();
            Matcher m = VERSION.matcher(n);
            if (st.isDir() && m.matches()) {
                versions.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
                paths.put(versionName(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))), st.getPath());
            }
        }
        versions.sort(Comparator.<long[]>comparingLong(v -> v[0]).thenComparingLong(v -> v[1]));
        for (int i = 0; i < versions.size() - keep; i++) {
            String n = versionName(versions.get(i)[0], versions.get(i)[1]);
            if (!n.equals(current)) {
                fs.delete(paths.get(n), true);
            }
        }
    }

    private void announce(Path target, String name, PreparedSnapshot s) {
        if (producer == null) {
            return;
        }
        try {
            producer.send(new ProducerRecord<>(announceTopic, name.getBytes(StandardCharsets.UTF_8),
                    announcement(target.toString(), name, s))).get();
        } catch (Exception e) {
            LOG.warn("Could not announce model version {} on topic {}", name, announceTopic, e);
        }
    }

    /** The announcement record's JSON value. */
    static byte[] announcement(String path, String name, PreparedSnapshot s) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("version", name);
        m.put("checkpoint_id", s.checkpointId());
        m.put("step", s.step());
        m.put("trained_samples", s.trainedSamples());
        m.put("metrics", s.info());
        return JSON.writeValueAsBytes(m);
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
            producer = null;
        }
    }

    /** The directory of the version {@code <base>/LATEST} names, or {@code null} when nothing is published. */
    public static Path latest(String basePath) throws IOException {
        Path base = new Path(basePath);
        FileSystem fs = base.getFileSystem();
        Path latest = new Path(base, LATEST);
        if (!fs.exists(latest)) {
            return null;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(latest), StandardCharsets.UTF_8))) {
            String name = r.readLine();
            if (name == null || !VERSION.matcher(name.trim()).matches()) {
                throw new IOException(latest + " does not name a model version: " + name);
            }
            return new Path(base, name.trim());
        }
    }

    @Override
    public String toString() {
        return "FileSystemSnapshotPublisher{" + basePath + ", keep=" + keep
                + (announceTopic == null ? "" : ", announce=" + announceTopic) + "}";
    }
}
