package io.counterflow.operators.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.EncodedSamples;
import io.counterflow.model.feedback.Labeling;
import io.counterflow.model.testing.TinyData;
import io.counterflow.operators.batch.SampleBatch;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Harness tests of {@link BatchEncodingOperator} in front of the {@link TrainingOperator}: the encoded path trains
 * bit for bit the model of the trainer's own path, snapshot → restore → continue of both, a restore without
 * encoder state, non-finite batches, and the state format's version.
 */
class BatchEncodingOperatorTest {
    private static final int BATCH = TrainingOperatorTest.BATCH;

    @TempDir Path staging;

    private TrainingSettings settings() {
        return TrainingSettings.builder().backend("java").batchCapacity(BATCH).evalWindow(100)
                .stagingDir(staging.toString()).model(TinyData.tinySettings("escm2-ips", "shared-bottom"))
                .feedback(Labeling.ES_DFM, 86_400_000L, 15 * 60_000L).build();
    }

    @Test
    void encodedBatchesTrainBitForBitTheModelOfBatchesOfSamples() throws Exception {
        List<SampleBatch> batches = TrainingOperatorTest.delayedFeedbackBatches(12);
        Map<String, float[]> direct;
        Map<String, Object> directAudit;
        double[] directStats;
        try (TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            t.feed(batches);
            direct = TrainingOperatorTest.tensors(t.operator.model());
            directAudit = t.operator.audit().toInfo();
            directStats = t.operator.model().featureSpace().numericState();
        }
        try (Encoder e = new Encoder(settings(), null);
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            List<SampleBatch> encoded = e.encode(batches);
            assertThat(encoded).allSatisfy(b -> {
                assertThat(b.encoded).isNotNull();
                assertThat(b.samples).isNull();
            });
            t.feed(encoded);
            assertThat(TrainingOperatorTest.tensors(t.operator.model())).containsOnlyKeys(direct.keySet());
            TrainingOperatorTest.tensors(t.operator.model()).forEach(
                    (name, v) -> assertThat(v).as(name).containsExactly(direct.get(name)));
            assertThat(t.operator.audit().toInfo()).isEqualTo(directAudit);
            assertThat(t.operator.model().featureSpace().numericState()).containsExactly(directStats);
            assertThat(e.operator.space().numericState()).containsExactly(directStats);
            assertThat(t.operator.correction().weightedRows()).isPositive();
        }
    }

    @Test
    void snapshotRestoreContinueOfEncoderAndTrainerGivesTheUninterruptedModel() throws Exception {
        List<SampleBatch> batches = TrainingOperatorTest.delayedFeedbackBatches(12);
        int half = batches.size() / 2;
        Map<String, float[]> uninterrupted;
        try (Encoder e = new Encoder(settings(), null);
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            t.feed(e.encode(batches));
            uninterrupted = TrainingOperatorTest.tensors(t.operator.model());
        }
        OperatorSubtaskState encoderState;
        OperatorSubtaskState trainerState;
        double[] statsAtCheckpoint;
        try (Encoder e = new Encoder(settings(), null);
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            t.feed(e.encode(batches.subList(0, half)));
            encoderState = e.harness.snapshot(1, 1);
            trainerState = t.harness.snapshot(1, 1);
            statsAtCheckpoint = e.operator.space().numericState();
            t.feed(e.encode(batches.subList(half, half + 2))); // lost in the "failure"
        }
        try (Encoder e = new Encoder(settings(), encoderState);
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), trainerState)) {
            assertThat(e.operator.passesThrough()).isFalse();
            assertThat(e.operator.space().numericState()).containsExactly(statsAtCheckpoint);
            assertThat(t.operator.model().featureSpace().numericState()).containsExactly(statsAtCheckpoint);
            t.feed(e.encode(batches.subList(half, batches.size())));
            TrainingOperatorTest.tensors(t.operator.model()).forEach(
                    (name, v) -> assertThat(v).as(name).containsExactly(uninterrupted.get(name)));
        }
    }

    @Test
    void restoredWithoutEncoderStateItPassesSamplesThroughAndTheTrainerEncodes() throws Exception {
        List<SampleBatch> batches = TrainingOperatorTest.delayedFeedbackBatches(8);
        Map<String, float[]> uninterrupted;
        try (TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            t.feed(batches);
            uninterrupted = TrainingOperatorTest.tensors(t.operator.model());
        }
        OperatorSubtaskState trainerState; // as a job before the encoder existed checkpointed it
        try (TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            t.feed(batches.subList(0, 4));
            trainerState = t.harness.snapshot(1, 1);
        }
        OperatorSubtaskState passThroughState;
        try (Encoder e = new Encoder(settings(), OperatorSubtaskState.builder().build());
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), trainerState)) {
            assertThat(e.operator.passesThrough()).isTrue();
            List<SampleBatch> out = e.encode(batches.subList(4, 6));
            assertThat(out).allSatisfy(b -> assertThat(b.encoded).isNull());
            t.feed(out);
            passThroughState = e.harness.snapshot(2, 2);
            trainerState = t.harness.snapshot(2, 2);
        }
        // the mode is part of the encoder's state: it survives the next restore
        try (Encoder e = new Encoder(settings(), passThroughState);
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), trainerState)) {
            assertThat(e.operator.passesThrough()).isTrue();
            t.feed(e.encode(batches.subList(6, 8)));
            TrainingOperatorTest.tensors(t.operator.model()).forEach(
                    (name, v) -> assertThat(v).as(name).containsExactly(uninterrupted.get(name)));
        }
    }

    @Test
    void aNonFiniteBatchIsNotEncodedAndTheStatisticsDoNotAbsorbIt() throws Exception {
        List<SampleBatch> batches = TrainingOperatorTest.delayedFeedbackBatches(4);
        LabeledSample[] bad = batches.get(2).samples.clone();
        LabeledSample poisoned = new LabeledSample(bad[0].id, bad[0].ts, bad[0].click, bad[0].conversion,
                new io.counterflow.model.data.Features(bad[0].features.catNames, bad[0].features.catValues,
                        bad[0].features.multiNames, bad[0].features.multiValues, bad[0].features.numNames,
                        new double[] {Double.NaN}), bad[0].truth);
        bad[0] = poisoned;
        assertThat(bad[0].features.numNames).hasSize(1);
        try (Encoder e = new Encoder(settings(), null);
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            List<SampleBatch> out = e.encode(batches.subList(0, 2));
            double[] before = e.operator.space().numericState();
            out.addAll(e.encode(List.of(new SampleBatch(bad))));
            assertThat(out.get(2).encoded.nonFinite).isTrue();
            assertThat(out.get(2).encoded.steps).isEmpty();
            assertThat(e.operator.space().numericState()).containsExactly(before);
            t.feed(out);
            TrainingProgress last = t.progress().get(t.progress().size() - 1);
            assertThat(last.trained).isFalse();
            assertThat(last.skippedBatches).isEqualTo(1);
            assertThat(t.operator.model().step()).isEqualTo(2);
            assertThat(t.operator.audit().toInfo().get("rows")).isEqualTo(3L * BATCH);
        }
    }

    @Test
    void aBatchLargerThanTheCapacityIsEncodedInCapacitySizedSteps() throws Exception {
        List<SampleBatch> batches = TrainingOperatorTest.delayedFeedbackBatches(3);
        List<LabeledSample> all = new ArrayList<>();
        for (SampleBatch b : batches) {
            all.addAll(Arrays.asList(b.samples));
        }
        SampleBatch big = SampleBatch.of(all.subList(0, 2 * BATCH + 5));
        try (Encoder e = new Encoder(settings(), null);
                TrainingOperatorTest.Trainer t = TrainingOperatorTest.Trainer.open(settings(), null)) {
            SampleBatch out = e.encode(List.of(big)).get(0);
            assertThat(Arrays.stream(out.encoded.steps).mapToInt(s -> s.n)).containsExactly(BATCH, BATCH, 5);
            t.feed(List.of(out));
            assertThat(t.operator.model().step()).isEqualTo(3);
            assertThat(t.operator.model().trainedSamples()).isEqualTo(2 * BATCH + 5);
        }
    }

    @Test
    void anUnknownStateVersionIsRejectedWithAMessage() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(BatchEncodingOperator.STATE_VERSION + 1);
            out.writeBoolean(false);
            out.writeBoolean(false);
        }
        BatchEncodingOperator op = new BatchEncodingOperator(settings());
        assertThatThrownBy(() -> op.read(bytes.toByteArray())).isInstanceOf(IOException.class)
                .hasMessageContaining("batch encoder state version " + (BatchEncodingOperator.STATE_VERSION + 1))
                .hasMessageContaining("reads " + BatchEncodingOperator.STATE_VERSION);
    }

    /** The encoder in a harness; its output goes through the batch serializer, as over the network. */
    static final class Encoder implements AutoCloseable {
        final BatchEncodingOperator operator;
        final OneInputStreamOperatorTestHarness<SampleBatch, SampleBatch> harness;
        private final TypeSerializer<SampleBatch> serializer;
        private int taken;

        Encoder(TrainingSettings s, OperatorSubtaskState restore) throws Exception {
            operator = new BatchEncodingOperator(s);
            harness = new OneInputStreamOperatorTestHarness<>(operator);
            harness.getExecutionConfig().disableGenericTypes();
            serializer = SampleBatch.TYPE_INFO.createSerializer(harness.getExecutionConfig());
            harness.setup(serializer);
            if (restore != null) {
                harness.initializeState(restore);
            }
            harness.open();
        }

        /** Feeds the batches and returns what came out for them, each serialised and read back. */
        List<SampleBatch> encode(List<SampleBatch> batches) throws Exception {
            for (SampleBatch b : batches) {
                harness.processElement(new StreamRecord<>(b, 0L));
            }
            List<SampleBatch> out = harness.extractOutputValues();
            List<SampleBatch> fresh = new ArrayList<>();
            for (SampleBatch b : out.subList(taken, out.size())) {
                DataOutputSerializer o = new DataOutputSerializer(1024);
                serializer.serialize(b, o);
                fresh.add(serializer.deserialize(new DataInputDeserializer(o.getCopyOfBuffer())));
            }
            taken = out.size();
            return fresh;
        }

        @Override
        public void close() throws Exception {
            harness.close();
        }
    }

}
