package io.counterflow.jobs.serve;

import io.counterflow.model.settings.Setting;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The settings of {@code counterflow serve}, each declared once (key, default, description, validation); the
 * command writes its flags into a {@link Configuration} and {@link #from} reads and checks them.
 */
public final class ServeSettings {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_THREADS = 4;
    public static final int DEFAULT_MAX_BODY_BYTES = 4 << 20;
    public static final int DEFAULT_MAX_BATCH = 1024;
    public static final String DEFAULT_POLL = "PT1S";
    public static final String DEFAULT_BACKEND = "openblas";

    public static final Setting<String> MODELS = Setting.of(ConfigOptions.key("counterflow.serve.models").stringType()
            .defaultValue("").withDescription("Publication root (local path or Flink file-system URI) whose LATEST"
                    + " version is served."), "a directory (required)", s -> true);
    public static final Setting<String> HOST = Setting.of(ConfigOptions.key("counterflow.serve.host").stringType()
            .defaultValue(DEFAULT_HOST).withDescription("Address the HTTP server binds."), "a host name or address",
            s -> !s.isBlank());
    public static final Setting<Integer> PORT = Setting.of(ConfigOptions.key("counterflow.serve.port").intType()
            .defaultValue(0).withDescription("TCP port; 0 picks a free one."), "in [0, 65535]",
            p -> p >= 0 && p <= 65535);
    public static final Setting<Duration> POLL = Setting.of(ConfigOptions.key("counterflow.serve.poll").durationType()
            .defaultValue(Duration.parse(DEFAULT_POLL)).withDescription("How often LATEST is read."),
            "at least 10 ms", d -> d.toMillis() >= 10);
    public static final Setting<Integer> THREADS = Setting.of(ConfigOptions.key("counterflow.serve.threads").intType()
            .defaultValue(DEFAULT_THREADS).withDescription("Request threads; each has its own scorer over a copy of"
                    + " the model."), "in [1, 256]", n -> n >= 1 && n <= 256);
    public static final Setting<Integer> MAX_BODY_BYTES = Setting.of(ConfigOptions.key("counterflow.serve.max-body-bytes")
            .intType().defaultValue(DEFAULT_MAX_BODY_BYTES).withDescription("Largest request body; larger ones get"
                    + " 413 without being read."), "in [1024, 1073741824]", n -> n >= 1024 && n <= (1 << 30));
    public static final Setting<Integer> MAX_BATCH = Setting.of(ConfigOptions.key("counterflow.serve.max-batch")
            .intType().defaultValue(DEFAULT_MAX_BATCH).withDescription("Most impressions per score request; more"
                    + " get 413."), "in [1, 65536]", n -> n >= 1 && n <= 65536);
    public static final Setting<String> BACKEND = Setting.of(ConfigOptions.key("counterflow.serve.backend").stringType()
            .defaultValue(DEFAULT_BACKEND).withDescription("Scoring backend: openblas, java, cuda or auto."),
            "one of openblas, java, cuda, auto", s -> java.util.Arrays.asList("openblas", "java", "cuda", "auto")
                    .contains(s));
    public static final Setting<String> PIN = Setting.of(ConfigOptions.key("counterflow.serve.pin").stringType()
            .defaultValue("").withDescription("Serve this version (v-<checkpoint>-<step>) and ignore LATEST until"
                    + " unpinned; empty: follow LATEST."), "empty or a version name v-<checkpoint>-<step>",
            s -> s.isEmpty() || ModelRoot.isVersionName(s));
    public static final Setting<String> BOOTSTRAP_SERVERS = Setting.of(ConfigOptions
            .key("counterflow.serve.bootstrap-servers").stringType().defaultValue("").withDescription("Kafka"
                    + " bootstrap servers of the model-updates topic; empty: poll LATEST only."), "a string", s -> true);
    public static final Setting<String> UPDATES_TOPIC = Setting.of(ConfigOptions
            .key("counterflow.serve.model-updates-topic").stringType().defaultValue("").withDescription("Topic of"
                    + " the publisher's announcements; each one makes the server read LATEST at once."), "a string",
            s -> true);

    public final String models;
    public final String host;
    public final int port;
    public final Duration poll;
    public final int threads;
    public final int maxBodyBytes;
    public final int maxBatch;
    public final String backend;
    public final String pin;
    public final String bootstrapServers;
    public final String updatesTopic;

    private ServeSettings(ReadableConfig c) {
        models = MODELS.read(c);
        if (models.isBlank()) {
            throw new IllegalArgumentException(MODELS.key() + " must be set to a publication root");
        }
        host = HOST.read(c);
        port = PORT.read(c);
        poll = POLL.read(c);
        threads = THREADS.read(c);
        maxBodyBytes = MAX_BODY_BYTES.read(c);
        maxBatch = MAX_BATCH.read(c);
        backend = BACKEND.read(c);
        pin = PIN.read(c);
        bootstrapServers = BOOTSTRAP_SERVERS.read(c);
        updatesTopic = UPDATES_TOPIC.read(c);
        if (!updatesTopic.isEmpty() && bootstrapServers.isEmpty()) {
            throw new IllegalArgumentException(UPDATES_TOPIC.key() + " is set, so "
                    + BOOTSTRAP_SERVERS.key() + " must be too");
        }
    }

    /** The settings in {@code c}, checked; an invalid one throws an {@link IllegalArgumentException} naming it. */
    public static ServeSettings from(ReadableConfig c) {
        return new ServeSettings(c);
    }

    /** Defaults with the given root and port (tests, benchmarks). */
    public static Configuration config(String models, int port) {
        Configuration c = new Configuration();
        c.set(MODELS.option(), models);
        c.set(PORT.option(), port);
        return c;
    }
}
