package io.counterflow.connectors.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * A real single-node Kafka (KRaft, broker and controller in one process) running inside this JVM, for tests and
 * the demo: no Docker, no ZooKeeper. Listens on 127.0.0.1 on free ports; every replication factor and {@code
 * min.insync.replicas} is 1, {@code group.initial.rebalance.delay.ms} is 0; its log directory is a temporary
 * directory deleted by {@link #close()}.
 *
 * <p>Needs {@code org.apache.kafka:kafka_2.13} on the class path (a {@code provided} dependency of this module,
 * so it never ends up in a job jar). Starts in a few seconds; share one per test class. {@link #restart()} stops
 * it and starts it again on the same ports with the same log directory (failure tests).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    /** Partitions of topics made by {@link #createTopics(String...)}. */
    public static final int DEFAULT_PARTITIONS = 2;

    private final Path logDir;
    private final KafkaConfig config;
    private KafkaRaftServer server;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafkaBroker(Path logDir, KafkaConfig config, KafkaRaftServer server, String bootstrapServers) {
        this.logDir = logDir;
        this.config = config;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats a fresh log directory and starts the broker; returns once it accepts requests. */
    public static EmbeddedKafkaBroker start() throws Exception {
        Path logDir = Files.createTempDirectory("counterflow-kafka-");
        try {
            int[] ports = freePorts(2);
            int brokerPort = ports[0];
            int controllerPort = ports[1];
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", logDir.toString());
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("default.replication.factor", "1");
            p.put("min.insync.replicas", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("auto.create.topics.enable", "false");
            p.put("num.partitions", String.valueOf(DEFAULT_PARTITIONS));
            p.put("log.flush.interval.messages", "1"); // small test data: no reason to batch
            KafkaConfig config = new KafkaConfig(p, false);

            new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream())).setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString()).addDirectory(logDir.toString())
                    .setMetadataLogDirectory(logDir.toString()).setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION).run();

            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker broker =
                    new EmbeddedKafkaBroker(logDir, config, server, "127.0.0.1:" + brokerPort);
            broker.awaitReady();
            return broker;
        } catch (Exception | Error e) {
            deleteRecursively(logDir);
            throw e;
        }
    }

    /** {@code host:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates topics with {@value #DEFAULT_PARTITIONS} partitions each (replication factor 1). */
    public void createTopics(String... names) throws ExecutionException, InterruptedException {
        createTopics(DEFAULT_PARTITIONS, names);
    }

    /** Creates topics with {@code partitions} partitions each (replication factor 1) and waits for them. */
    public void createTopics(int partitions, String... names) throws ExecutionException, InterruptedException {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(new NewTopic(n, partitions, (short) 1));
        }
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get();
        }
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private void awaitReady() throws ExecutionException, InterruptedException {
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(); // blocks until the broker has registered and serves metadata
        }
    }

    /**
     * Stops the broker (clients see it go away) and starts it again with the same configuration: the same
     * ports, so {@link #bootstrapServers()} stays valid, and the same log directory, so topics, records, committed
     * offsets and transactions survive. Returns once it accepts requests again.
     */
    public synchronized void restart() throws ExecutionException, InterruptedException {
        if (closed) {
            throw new IllegalStateException("the broker is closed");
        }
        server.shutdown();
        server.awaitShutdown();
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        awaitReady();
    }

    /** Stops the broker and deletes its log directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            deleteRecursively(logDir);
        }
    }

    /** {@code n} distinct free loopback ports (all held open while they are chosen, so none is chosen twice). */
    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] held = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                held[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held[i].setReuseAddress(true);
                ports[i] = held[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
