package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.DeadLetter;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The dead-letter sink built by {@link DeadLetterSink#fromConfig} is exactly-once when the job checkpoints: a
 * failure after a completed checkpoint, a restore and a replay of the sources still leave every bad record in the
 * topic exactly once for a read-committed reader (real broker, real MiniCluster, real restart).
 */
class DeadLetterSinkExactlyOnceITCase {
    private static final int BAD = 3_000;
    private static final String TOPIC = "eo-impressions";
    private static final String DEAD = "eo-dead-letters";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).setConfiguration(clusterConfig()).build());

    /**
     * Small network buffers: the slow attempt back-pressures the source, which then keeps reading (a source that
     * has read everything declines checkpoints while its output drains), and barriers wait behind little data.
     */
    private static Configuration clusterConfig() {
        Configuration c = new Configuration();
        c.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, MemorySize.parse("4kb"));
        return c;
    }

    private static EmbeddedKafkaBroker kafka;

    @TempDir Path tmp;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(1, TOPIC, "eo-clicks", "eo-conversions", DEAD);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aFailureAfterACheckpointLeavesEveryDeadLetterExactlyOnceForCommittedReaders(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < BAD; i++) {
                p.send(new ProducerRecord<>(TOPIC, ("{\"id\":\"bad-" + i + "\",\"features\":{}}")
                        .getBytes(StandardCharsets.UTF_8))); // MISSING_TS
            }
            p.flush();
        }
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, tmp.toUri().toString());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        conf.set(CounterflowKafkaSources.BOOTSTRAP_SERVERS.option(), kafka.bootstrapServers());
        conf.set(CounterflowKafkaSources.GROUP_ID.option(), "eo-" + System.nanoTime());
        conf.set(CounterflowKafkaSources.IMPRESSIONS_TOPIC.option(), TOPIC);
        conf.set(CounterflowKafkaSources.CLICKS_TOPIC.option(), "eo-clicks");
        conf.set(CounterflowKafkaSources.CONVERSIONS_TOPIC.option(), "eo-conversions");
        conf.set(DeadLetterSink.TOPIC.option(), DEAD);
        assertThat(DeadLetterSink.options(conf).guarantee).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        env.setParallelism(1);
        CounterflowKafkaSources.Streams in = CounterflowKafkaSources.builder(conf)
                .startingOffsets(OffsetsInitializer.earliest()).bounded(OffsetsInitializer.latest()).build()
                .addTo(env);
        FailOnce.reset();
        DeadLetterSink.sinkTo(in.deadLetters.map(new FailOnce(), DeadLetterSplitter.deadLetterType()).uid("fail-once")
                .name("fail-once"), DeadLetterSink.fromConfig(conf));
        JobClient client = env.executeAsync("dead-letter-exactly-once-itcase");
        client.getJobExecutionResult().get();

        assertThat(FailOnce.failed).as("a failure was injected after a completed checkpoint").isTrue();
        assertThat(cluster.getArchivedExecutionGraph(client.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING))
                .as("the job restarted").isPositive();
        Map<Long, Integer> committed = new HashMap<>();
        for (DeadLetterJson.Record d : KafkaTestUtils.readDeadLetters(kafka.bootstrapServers(), DEAD)) {
            assertThat(d.reason).isEqualTo(BadInputReason.MISSING_TS.name());
            committed.merge(d.offset, 1, Integer::sum);
        }
        int uncommitted = KafkaTestUtils.readAll(kafka.bootstrapServers(), DEAD).size();
        System.out.printf("exactly-once dead letters: %d committed, %d visible to read_uncommitted%n",
                committed.values().stream().mapToInt(Integer::intValue).sum(), uncommitted);
        assertThat(committed).hasSize(BAD);
        assertThat(committed.values()).as("each bad record exactly once").containsOnly(1);
    }

    /** Throws once, in attempt 0, at the first dead letter after a checkpoint that saw dead letters completed. */
    static final class FailOnce extends RichMapFunction<DeadLetter, DeadLetter> implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        static volatile boolean failed;
        static volatile boolean armed;
        static volatile int seen;

        static void reset() {
            failed = false;
            armed = false;
            seen = 0;
        }

        @Override
        public DeadLetter map(DeadLetter d) throws Exception {
            if (getRuntimeContext().getTaskInfo().getAttemptNumber() == 0 && !failed) {
                if (armed) {
                    failed = true;
                    throw new IllegalStateException("injected failure after a completed checkpoint");
                }
                seen++;
                Thread.sleep(1); // attempt 0 is slow, so that checkpoints complete mid-stream
            }
            return d;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            if (getRuntimeContext().getTaskInfo().getAttemptNumber() == 0 && seen > 0) {
                armed = true;
            }
        }
    }
}
