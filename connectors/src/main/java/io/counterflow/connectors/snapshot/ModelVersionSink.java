package io.counterflow.connectors.snapshot;

import io.counterflow.model.settings.Setting;
import io.counterflow.model.snapshot.ModelVersion;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;

import java.io.IOException;
import java.util.List;

/**
 * Publishes the training operator's model versions to a {@link PublicationRoot}, exactly once and only for
 * completed checkpoints: a Flink Sink V2 with a committer (two-phase commit).
 *
 * <ol>
 *   <li>The writer ({@link ModelVersionWriter}) writes each version it receives (the trainer emits one before each
 *       checkpoint barrier at which the model changed) completely into {@code <root>/.staging/}, and hands it over
 *       as a {@link StagedVersion} committable when the barrier arrives.</li>
 *   <li>When the checkpoint completes, the committer ({@link ModelVersionCommitter}) moves the staged version to
 *       {@code <root>/v-<checkpoint>-<step>}, switches {@code LATEST} to it, deletes all but the newest {@code keep}
 *       versions and, with an announcement topic, announces it on Kafka. A committable restored after a failure and
 *       committed again finds its version already in place and does nothing (idempotent); a version whose
 *       checkpoint never completes is never published (its staged files are deleted at the next commit).</li>
 * </ol>
 * Announcements are at-least-once hints (JSON, key: the version name): {@code {"path":"<root>/v-12-3400",
 * "version":"v-12-3400","checkpoint_id":12,"step":3400,"trained_samples":870400,"metrics":{...the manifest's
 * info...}}}; consumers should read {@code LATEST}. A failed announcement is logged, never fatal; nothing here
 * ever fails the job.
 */
public final class ModelVersionSink implements Sink<ModelVersion>, SupportsCommitter<StagedVersion> {
    private static final long serialVersionUID = 1L;

    /** uid and name of the sink operator made by {@link #sinkTo}. */
    public static final String NAME = "model-version-sink";

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

    /** Every setting of the sink. */
    public static final List<Setting<?>> SETTINGS = List.of(BASE_PATH, KEEP, ANNOUNCE_TOPIC);

    private final String basePath;
    private final int keep;
    private final String announceBootstrapServers;
    private final String announceTopic;

    private ModelVersionSink(String basePath, int keep, String bootstrapServers, String topic) {
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

    /** Publishes under {@code basePath}, keeping the newest {@code keep} versions; no announcements. */
    public static ModelVersionSink of(String basePath, int keep) {
        return new ModelVersionSink(basePath, keep, null, null);
    }

    /** As {@link #of}, and announces every version on {@code topic}. */
    public static ModelVersionSink announcing(String basePath, int keep, String bootstrapServers, String topic) {
        return new ModelVersionSink(basePath, keep, bootstrapServers, java.util.Objects.requireNonNull(topic));
    }

    /**
     * The sink the configuration describes ({@link #SETTINGS}); announcements go to the Kafka cluster at {@code
     * bootstrapServers}.
     */
    public static ModelVersionSink fromConfig(ReadableConfig config, String bootstrapServers) {
        return new ModelVersionSink(BASE_PATH.read(config), KEEP.read(config), bootstrapServers,
                ANNOUNCE_TOPIC.read(config));
    }

    /** The publication root. */
    public String basePath() {
        return basePath;
    }

    /** {@code versions.sinkTo(sink)} at parallelism 1 with uid and name {@value #NAME}. */
    public static DataStreamSink<ModelVersion> sinkTo(DataStream<ModelVersion> versions, Sink<ModelVersion> sink) {
        return versions.sinkTo(sink).uid(NAME).name(NAME).setParallelism(1);
    }

    @Override
    @Deprecated
    public SinkWriter<ModelVersion> createWriter(InitContext context) throws IOException {
        return new ModelVersionWriter(new Path(basePath), context.metricGroup());
    }

    @Override
    public Committer<StagedVersion> createCommitter(CommitterInitContext context) throws IOException {
        return new ModelVersionCommitter(new Path(basePath), keep, announceBootstrapServers, announceTopic,
                context.metricGroup());
    }

    @Override
    public SimpleVersionedSerializer<StagedVersion> getCommittableSerializer() {
        return new StagedVersion.Serializer();
    }
}
