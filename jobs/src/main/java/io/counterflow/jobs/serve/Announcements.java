package io.counterflow.jobs.serve;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Follows the publisher's model-updates topic (see {@code ModelVersionSink}: one JSON record per
 * published version, at-least-once, a hint) and calls {@code onAnnouncement} for every record, so that the server
 * reads {@code LATEST} at once instead of at its next poll. The records' content is not trusted: {@code LATEST}
 * decides what is served. No consumer group: every server reads every partition from its end at start.
 */
final class Announcements implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Announcements.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    /** True once the end offsets are resolved: every announcement written after this is seen. */
    private volatile boolean following;

    private Announcements(String bootstrapServers, String topic, Runnable onAnnouncement) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "counterflow-serve");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(() -> run(topic, onAnnouncement), "serve-model-updates");
        thread.setDaemon(true);
    }

    static Announcements start(String bootstrapServers, String topic, Runnable onAnnouncement) {
        Announcements a = new Announcements(bootstrapServers, topic, onAnnouncement);
        a.thread.start();
        return a;
    }

    private void run(String topic, Runnable onAnnouncement) {
        try {
            List<TopicPartition> assigned = new ArrayList<>();
            while (running && assigned.isEmpty()) {
                // The topic may not exist yet (the job creates it with its first announcement): look again.
                List<PartitionInfo> parts;
                try {
                    parts = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    parts = null; // the broker is not reachable yet: LATEST polling goes on meanwhile
                }
                if (parts != null) {
                    for (PartitionInfo pi : parts) {
                        assigned.add(new TopicPartition(topic, pi.partition()));
                    }
                }
                if (assigned.isEmpty()) {
                    Thread.sleep(1000);
                }
            }
            consumer.assign(assigned);
            consumer.seekToEnd(assigned);
            for (TopicPartition tp : assigned) {
                consumer.position(tp); // resolve the end offsets now, so announcements from here on are seen
            }
            // A version announced between the server's first read of LATEST and these end offsets would only be
            // found at the next poll: read LATEST once more now (the publisher switches LATEST before announcing).
            onAnnouncement.run();
            following = true;
            LOG.info("serve: following announcements on {} ({} partitions)", topic, assigned.size());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofSeconds(1));
                if (!records.isEmpty()) {
                    onAnnouncement.run();
                }
            }
        } catch (WakeupException | InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.warn("serve: stopped following {} ({}); polling LATEST only", topic, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Whether announcements are followed yet (the end offsets resolved; tests wait for it). */
    boolean following() {
        return following;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
