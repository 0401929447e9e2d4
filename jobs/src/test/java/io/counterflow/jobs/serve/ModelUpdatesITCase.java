package io.counterflow.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.connectors.kafka.EmbeddedKafkaBroker;
import io.counterflow.connectors.snapshot.TestPublisher;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * With the model-updates topic, a version is swapped in on its announcement: the server polls {@code LATEST} only
 * once an hour here, so only the announcement (written by the real publisher to a real in-process broker) can
 * make it load the new version.
 */
class ModelUpdatesITCase {
    @TempDir Path tmp;

    @Test
    void anAnnouncementMakesTheServerReadLatestAtOnce() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("models"));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(1, "model-updates");
            TestPublisher publisher = TestPublisher.announcing(root.toString(), 10, broker.bootstrapServers(),
                    "model-updates");
            try {
                publisher.publish(1, 2, 48, ServeFixture.snapshot(tmp.resolve("s1"), 2));
                Configuration c = ServeSettings.config(root.toString(), 0);
                c.set(ServeSettings.POLL.option(), Duration.ofHours(1));
                c.set(ServeSettings.BOOTSTRAP_SERVERS.option(), broker.bootstrapServers());
                c.set(ServeSettings.UPDATES_TOPIC.option(), "model-updates");
                try (ModelServer server = ModelServer.start(ServeSettings.from(c))) {
                    assertThat(server.version()).isEqualTo("v-1-2");
                    // The consumer starts at the topic's end: once it follows, an announcement is the only way in.
                    ServeFixture.await("following announcements", server::followingAnnouncements);
                    publisher.publish(2, 5, 120, ServeFixture.snapshot(tmp.resolve("s2"), 5));
                    ServeFixture.await("v-2-5 swapped in on its announcement", () -> server.version().equals("v-2-5"));
                }
            } finally {
                publisher.close();
            }
        }
    }
}
