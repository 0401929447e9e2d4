package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link EmbeddedKafkaBroker#restart()}: the broker comes back on the same address with its topics, records and
 * committed offsets, and one producer keeps working across the restart (failure tests rely on all three).
 */
class EmbeddedKafkaBrokerRestartITCase {
    @Test
    void aRestartKeepsTheAddressTopicsRecordsAndCommittedOffsets() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            String address = kafka.bootstrapServers();
            kafka.createTopics(1, "restart");
            TopicPartition tp = new TopicPartition("restart", 0);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, address, ProducerConfig.ACKS_CONFIG, "all"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 3; i++) {
                    p.send(new ProducerRecord<>("restart", bytes("before-" + i))).get();
                }
                try (KafkaConsumer<byte[], byte[]> c = consumer(address)) {
                    c.commitSync(Map.of(tp, new OffsetAndMetadata(2)));
                }

                kafka.restart();

                assertThat(kafka.bootstrapServers()).isEqualTo(address);
                p.send(new ProducerRecord<>("restart", bytes("after"))).get(); // the same producer reconnects
            }
            List<String> values = new ArrayList<>();
            for (byte[] v : KafkaTestUtils.readAll(address, "restart")) {
                values.add(new String(v, StandardCharsets.UTF_8));
            }
            assertThat(values).containsExactly("before-0", "before-1", "before-2", "after");
            try (KafkaConsumer<byte[], byte[]> c = consumer(address)) {
                assertThat(c.committed(Set.of(tp)).get(tp).offset()).isEqualTo(2);
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String address) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, address,
                ConsumerConfig.GROUP_ID_CONFIG, "restart-group"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
