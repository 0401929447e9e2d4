package io.counterflow.connectors.kafka;

import io.counterflow.model.data.BadInputReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Kafka helpers shared by the ITCases (through the connectors test-jar). */
public final class KafkaTestUtils {
    private KafkaTestUtils() {}

    /** Sends a bad record (null value allowed) and records "topic partition@offset REASON" in expected. */
    public static void sendBad(KafkaProducer<byte[], byte[]> p, List<String> expected, String topic, String value,
            BadInputReason reason) throws Exception {
        RecordMetadata m = p.send(new ProducerRecord<>(topic, null,
                value == null ? null : value.getBytes(StandardCharsets.UTF_8))).get();
        expected.add(topic + " " + m.partition() + "@" + m.offset() + " " + reason);
    }

    /** Every record value currently in the topic, from the beginning to the end offsets read at the start. */
    public static List<byte[]> readAll(String bootstrapServers, String topic) {
        return readAll(bootstrapServers, topic, "read_uncommitted");
    }

    /**
     * Every committed record value in the topic (isolation.level=read_committed: records of aborted or still open
     * transactions are skipped). A transaction's commit returns before the broker has written its markers into the
     * partitions, so right after a job finished the last stable offset can still be short of the log's end: this
     * waits (up to {@link #SETTLE}) until it reaches it, i.e. until no transaction is open, then reads up to it.
     */
    public static List<byte[]> readAllCommitted(String bootstrapServers, String topic) {
        return readAll(bootstrapServers, topic, "read_committed");
    }

    /** Every dead-letter record in the topic, committed ones only, read (and format-checked) by DeadLetterJson. */
    public static List<DeadLetterJson.Record> readDeadLetters(String bootstrapServers, String topic) {
        List<DeadLetterJson.Record> out = new ArrayList<>();
        for (byte[] v : readAllCommitted(bootstrapServers, topic)) {
            out.add(DeadLetterJson.parse(v));
        }
        return out;
    }

    /** How long {@link #readAllCommitted} waits for open transactions' markers. */
    static final Duration SETTLE = Duration.ofSeconds(60);

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers, String isolation) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static List<byte[]> readAll(String bootstrapServers, String topic, String isolation) {
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrapServers, isolation)) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            if (isolation.equals("read_committed")) {
                try (KafkaConsumer<byte[], byte[]> u = consumer(bootstrapServers, "read_uncommitted")) {
                    Map<TopicPartition, Long> logEnd = u.endOffsets(parts);
                    long deadline = System.nanoTime() + SETTLE.toNanos();
                    while (!end.equals(logEnd) && System.nanoTime() < deadline) {
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                        end = c.endOffsets(parts);
                        logEnd = u.endOffsets(parts);
                    }
                }
            }
            Map<TopicPartition, Long> until = end;
            while (parts.stream().anyMatch(tp -> c.position(tp) < until.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }
}
