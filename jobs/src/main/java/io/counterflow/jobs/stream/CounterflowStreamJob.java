package io.counterflow.jobs.stream;

import io.counterflow.connectors.kafka.CounterflowKafkaSources;
import io.counterflow.connectors.kafka.DeadLetterSink;
import io.counterflow.connectors.snapshot.ModelVersionSink;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.snapshot.ModelVersion;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.operators.batch.MiniBatcher;
import io.counterflow.operators.batch.SampleBatch;
import io.counterflow.operators.join.JoinEvent;
import io.counterflow.operators.join.LabelJoinOperator;
import io.counterflow.operators.join.LabelJoinSettings;
import io.counterflow.operators.join.LabelingPolicy;
import io.counterflow.operators.train.TrainingOperator;
import io.counterflow.operators.train.TrainingProgress;
import io.counterflow.operators.train.TrainingSettings;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The streaming learner's pipeline: three event sources (deserialised, dead letters split off) → label join
 * (keyed by impression id, event time; rows as the labeling policy of {@link LabelJoinSettings#labeling()} emits
 * them) → mini-batcher → training operator (parallelism 1, publishes a model per
 * completed checkpoint); dead letters of the sources and of the join → the dead-letter sink. Every operator has a
 * uid and a name, so savepoints survive code changes.
 *
 * <p>Sources, the dead-letter sink and the version sink are constructor arguments; {@code StreamCommand}
 * builds the Kafka ones, tests and the demo build their own. Parallelism: sources, splitters and the join use the
 * environment's parallelism; the batcher and the trainer run at 1 (one model; see the README on scaling out).
 */
public final class CounterflowStreamJob {
    /** Adds the three event streams and their dead letters to an environment. */
    @FunctionalInterface
    public interface EventSources {
        CounterflowKafkaSources.Streams addTo(StreamExecutionEnvironment env);
    }

    private final EventSources sources;
    private final Sink<DeadLetter> deadLetterSink;
    private final Sink<ModelVersion> versionSink;
    private final LabelJoinSettings join;
    private final LabelingPolicy labeling;
    private final MiniBatchSettings batching;
    private final TrainingSettings training;
    private UnaryOperator<DataStream<SampleBatch>> batchStage = UnaryOperator.identity();

    public CounterflowStreamJob(EventSources sources, Sink<DeadLetter> deadLetterSink, Sink<ModelVersion> versionSink,
            LabelJoinSettings join, MiniBatchSettings batching, TrainingSettings training) {
        this.sources = Objects.requireNonNull(sources, "sources");
        this.deadLetterSink = Objects.requireNonNull(deadLetterSink, "deadLetterSink");
        this.versionSink = Objects.requireNonNull(versionSink, "versionSink");
        this.join = Objects.requireNonNull(join, "join");
        this.labeling = LabelingPolicy.of(join); // the policy counterflow.labeling.policy names; rejects oracle
        this.batching = Objects.requireNonNull(batching, "batching");
        // The trainer weights the rows of the join's policy: it takes the policy and its windows from the join.
        this.training = Objects.requireNonNull(training, "training").withFeedback(join.labeling(),
                join.attributionWindowMs(), join.labelingElapsedMs());
        if (training.batchCapacity() < batching.batchSize()) {
            throw new IllegalArgumentException("the trainer's batch capacity (" + training.batchCapacity()
                    + ") is below " + MiniBatchSettings.BATCH_SIZE.key() + " (" + batching.batchSize()
                    + "): every batch would be split into several steps");
        }
    }

    /**
     * Sets the Flink options this job is built for where {@code conf} leaves them unset (a user who sets one keeps
     * their value):
     * <ul>
     *   <li>{@code pipeline.object-reuse: true}. No operator of the job keeps or changes a record it is handed
     *       (sources and the join create new records, the batcher and encoder emit new batches, state holds its
     *       own copies through its serializers), so chained operators may share records instead of copying each
     *       one through its serializer: with object reuse off, every event was deep-copied twice inside the source
     *       chain.</li>
     *   <li>{@code pipeline.auto-watermark-interval: 50 ms} (Flink's default is 200 ms). The join releases labeled
     *       samples when the watermark passes their deadlines, so every watermark releases a burst; with 200 ms
     *       between watermarks a burst outgrew the network buffers in front of the trainer and the trainer idled
     *       about a tenth of the time between bursts (docs/performance.md: 73k → 77k samples/s at batch 1024;
     *       20 ms gained nothing more).</li>
     * </ul>
     */
    static final java.time.Duration WATERMARK_INTERVAL = java.time.Duration.ofMillis(50);

    public static void applyDefaults(Configuration conf) {
        if (!conf.contains(PipelineOptions.OBJECT_REUSE)) {
            conf.set(PipelineOptions.OBJECT_REUSE, true);
        }
        if (!conf.contains(PipelineOptions.AUTO_WATERMARK_INTERVAL)) {
            conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, WATERMARK_INTERVAL);
        }
    }

    /** Test hook: a stage between the batcher and the trainer (failure injection, recording). */
    CounterflowStreamJob withBatchStage(UnaryOperator<DataStream<SampleBatch>> stage) {
        this.batchStage = Objects.requireNonNull(stage, "stage");
        return this;
    }

    /** Adds the pipeline to {@code env}; the handles let callers attach progress displays or test sinks. */
    public Pipeline build(StreamExecutionEnvironment env) {
        CounterflowKafkaSources.Streams in = sources.addTo(env);
        SingleOutputStreamOperator<LabeledSample> samples = LabelJoinOperator.join(
                JoinEvent.union(in.impressions, in.clicks, in.conversions), join, labeling);
        DataStream<DeadLetter> deadLetters =
                in.deadLetters.union(samples.getSideOutput(LabelJoinOperator.DEAD_LETTERS));
        DeadLetterSink.sinkTo(deadLetters, deadLetterSink);
        // One batcher for the one trainer: global batches of exactly batch-size samples (count trigger).
        SingleOutputStreamOperator<SampleBatch> batches = MiniBatcher.batch(samples, batching).setParallelism(1);
        SingleOutputStreamOperator<TrainingProgress> progress =
                TrainingOperator.train(batchStage.apply(batches), training);
        ModelVersionSink.sinkTo(progress.getSideOutput(TrainingOperator.MODEL_VERSIONS), versionSink);
        return new Pipeline(samples, batches, progress, deadLetters);
    }

    /** Handles on the built pipeline's streams. */
    public static final class Pipeline {
        public final DataStream<LabeledSample> samples;
        public final DataStream<SampleBatch> batches;
        public final DataStream<TrainingProgress> progress;
        public final DataStream<DeadLetter> deadLetters;

        Pipeline(DataStream<LabeledSample> samples, DataStream<SampleBatch> batches,
                DataStream<TrainingProgress> progress, DataStream<DeadLetter> deadLetters) {
            this.samples = samples;
            this.batches = batches;
            this.progress = progress;
            this.deadLetters = deadLetters;
        }
    }
}
