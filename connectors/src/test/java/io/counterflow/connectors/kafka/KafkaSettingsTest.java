package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.settings.Setting;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The Kafka settings: declared once, listed in SETTINGS, read from a Flink configuration, validated by key. */
class KafkaSettingsTest {

    @Test
    void settingsListsEverySettingEachClassDeclares() throws Exception {
        assertThat(CounterflowKafkaSources.SETTINGS).containsExactlyInAnyOrderElementsOf(
                declared(CounterflowKafkaSources.class));
        assertThat(DeadLetterSink.SETTINGS).containsExactlyInAnyOrderElementsOf(declared(DeadLetterSink.class));
        for (Setting<?> s : CounterflowKafkaSources.SETTINGS) {
            assertThat(s.key()).startsWith("counterflow.kafka.");
            assertThat(s.option().description().toString()).isNotBlank();
        }
        for (Setting<?> s : DeadLetterSink.SETTINGS) {
            assertThat(s.key()).startsWith("counterflow.kafka.dead-letter-");
        }
    }

    @Test
    void fromConfigReadsEverySourceSetting() {
        Configuration c = new Configuration();
        c.set(CounterflowKafkaSources.BOOTSTRAP_SERVERS.option(), "k1:9092,k2:9092");
        c.set(CounterflowKafkaSources.GROUP_ID.option(), "job-a");
        c.set(CounterflowKafkaSources.OUT_OF_ORDERNESS.option(), Duration.ofMinutes(3));
        c.set(CounterflowKafkaSources.MAX_FUTURE_SKEW.option(), Duration.ofMinutes(2));
        c.set(CounterflowKafkaSources.MAX_RECORD_BYTES.option(), MemorySize.parse("4mb"));
        CounterflowKafkaSources s = CounterflowKafkaSources.fromConfig(c);
        assertThat(s.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(s.groupId()).isEqualTo("job-a");
        assertThat(s.outOfOrderness()).isEqualTo(Duration.ofMinutes(3));
        assertThat(s.maxFutureSkew()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.maxRecordBytes()).isEqualTo(4 << 20);
        assertThat(s.impressionSource()).isNotNull();
    }

    @Test
    void invalidSourceSettingsNameTheirKey() {
        assertThatThrownBy(() -> CounterflowKafkaSources.fromConfig(new Configuration()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("counterflow.kafka.bootstrap-servers must be set (a host:port list)");
        expectRejected(c -> c.setString("counterflow.kafka.group-id", " "), "counterflow.kafka.group-id");
        expectRejected(c -> c.setString("counterflow.kafka.clicks-topic", ""), "counterflow.kafka.clicks-topic");
        expectRejected(c -> c.setString("counterflow.kafka.clicks-topic", "impressions"),
                "must be three different topics");
        expectRejected(c -> c.setString("counterflow.kafka.watermark-idleness", "0 s"),
                "counterflow.kafka.watermark-idleness must be positive");
        expectRejected(c -> c.setString("counterflow.kafka.max-future-skew", "0 s"),
                "counterflow.kafka.max-future-skew must be positive");
        expectRejected(c -> c.setString("counterflow.kafka.max-record-bytes", "100b"),
                "counterflow.kafka.max-record-bytes must be between 1kb and 1gb");
    }

    @Test
    void autoGuaranteeIsExactlyOnceWhenTheJobCheckpointsExactlyOnce() {
        Configuration c = withServers();
        assertThat(DeadLetterSink.guarantee(c)).as("no checkpointing").isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(30));
        assertThat(DeadLetterSink.guarantee(c)).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.AT_LEAST_ONCE);
        assertThat(DeadLetterSink.guarantee(c)).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        c.set(DeadLetterSink.GUARANTEE.option(), "exactly-once");
        assertThat(DeadLetterSink.guarantee(c)).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        c.set(DeadLetterSink.GUARANTEE.option(), "at-least-once");
        c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        assertThat(DeadLetterSink.guarantee(c)).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        c.set(DeadLetterSink.GUARANTEE.option(), "twice");
        assertThatThrownBy(() -> DeadLetterSink.guarantee(c)).hasMessage("counterflow.kafka.dead-letter-guarantee"
                + " must be one of auto, exactly-once, at-least-once (got twice)");
    }

    @Test
    void autoSeesCheckpointingEnabledOnAnEnvironment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThat(DeadLetterSink.guarantee(env.getConfiguration())).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        env.enableCheckpointing(30_000); // what --checkpoint-interval does; config.yaml's interval lands here too
        assertThat(DeadLetterSink.guarantee(env.getConfiguration())).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        Configuration job = withServers();
        job.addAll(Configuration.fromMap(env.getConfiguration().toMap()));
        assertThat(DeadLetterSink.options(job).guarantee).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
    }

    @Test
    void theTransactionalIdPrefixDerivesFromTheGroupIdAndTheTimeoutMustOutlastACheckpointInterval() {
        Configuration c = withServers();
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMinutes(1));
        c.set(CounterflowKafkaSources.GROUP_ID.option(), "job-b");
        DeadLetterSink.Options o = DeadLetterSink.options(c);
        assertThat(o.guarantee).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(o.transactionalIdPrefix).isEqualTo("job-b-dead-letters");
        assertThat(o.topic).isEqualTo("counterflow-dead-letters");
        assertThat(o.transactionTimeout).isEqualTo(Duration.ofMinutes(15));
        assertThat(o.toSink()).isNotNull();
        c.set(DeadLetterSink.TRANSACTIONAL_ID_PREFIX.option(), "my-job");
        assertThat(DeadLetterSink.options(c).transactionalIdPrefix).isEqualTo("my-job");
        c.set(DeadLetterSink.TRANSACTION_TIMEOUT.option(), Duration.ofSeconds(30));
        assertThatThrownBy(() -> DeadLetterSink.options(c)).hasMessage("counterflow.kafka.dead-letter-transaction-"
                + "timeout must be longer than execution.checkpointing.interval (got PT30S <= PT1M)");
        assertThatThrownBy(() -> DeadLetterSink.fromConfig(new Configuration()))
                .hasMessageContaining("counterflow.kafka.bootstrap-servers must be set");
        Configuration empty = withServers();
        empty.set(DeadLetterSink.TOPIC.option(), "");
        assertThatThrownBy(() -> DeadLetterSink.options(empty)).hasMessageContaining(DeadLetterSink.TOPIC.key());
    }

    private static Configuration withServers() {
        Configuration c = new Configuration();
        c.set(CounterflowKafkaSources.BOOTSTRAP_SERVERS.option(), "127.0.0.1:9092");
        return c;
    }

    private static void expectRejected(java.util.function.Consumer<Configuration> change, String message) {
        Configuration c = withServers();
        change.accept(c);
        assertThatThrownBy(() -> CounterflowKafkaSources.fromConfig(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    private static List<Setting<?>> declared(Class<?> c) throws IllegalAccessException {
        List<Setting<?>> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class) {
                out.add((Setting<?>) f.get(null));
            }
        }
        return out;
    }
}
