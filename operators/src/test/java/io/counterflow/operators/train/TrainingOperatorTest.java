package io.counterflow.operators.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelSnapshot;
import io.counterflow.model.snapshot.ModelVersion;
import io.counterflow.model.testing.TinyData;
import io.counterflow.operators.batch.SampleBatch;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Harness tests of {@link TrainingOperator}: training, exact resume, NaN guard, two-phase snapshot export. */
class TrainingOperatorTest {
    static final int BATCH = 16;

    @TempDir Path staging;

    private TrainingSettings settings() {
        return TrainingSettings.builder().backend("java").batchCapacity(BATCH).evalWindow(100)
                .stagingDir(staging.toString()).model(TinyData.tinySettings("escm2-ips", "shared-bottom")).build();
    }

    /** Six batches of 16 tiny samples. */
    private static List<SampleBatch> batches(int count) {
        LabeledSample[] all = TinyData.samples(count * BATCH, 11);
        List<SampleBatch> l = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            l.add(new SampleBatch(Arrays.copyOfRange(all, b * BATCH, (b + 1) * BATCH)));
        }
        return l;
    }

    @Test
    void snapshotRestoreContinueGivesBitForBitTheModelOfAnUninterruptedRun() throws Exception {
        List<SampleBatch> batches = batches(6);
        Map<String, float[]> uninterrupted;
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches);
            uninterrupted = tensors(t.operator.model());
            assertThat(t.operator.model().step()).isEqualTo(6);
        }

        OperatorSubtaskState snapshot;
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches.subList(0, 3));
            snapshot = t.harness.snapshot(1, 1);
            t.feed(batches.subList(3, 5)); // trained after the checkpoint, then lost in the "failure"
        }
        try (Trainer t = Trainer.open(settings(), snapshot)) {
            CvrModel restored = t.operator.model();
            assertThat(restored.step()).isEqualTo(3);
            assertThat(restored.trainedSamples()).isEqualTo(3 * BATCH);
            assertThat(t.operator.seenSamplesTotal()).isEqualTo(3 * BATCH);
            t.feed(batches.subList(3, 6));
            CvrModel resumed = t.operator.model();
            assertThat(resumed.step()).isEqualTo(6);
            assertThat(resumed.trainedSamples()).isEqualTo(6 * BATCH);
            Map<String, float[]> after = tensors(resumed);
            assertThat(after.keySet()).containsExactlyElementsOf(uninterrupted.keySet());
            for (String name : uninterrupted.keySet()) {
                assertThat(after.get(name)).as(name).containsExactly(uninterrupted.get(name));
            }
            // the progress records carry the state's counters, continuing across the restore
            TrainingProgress last = t.progress().get(t.progress().size() - 1);
            assertThat(last.seenBatches).isEqualTo(6);
            assertThat(last.seenSamples).isEqualTo(6L * BATCH);
            assertThat(last.trainedSamples).isEqualTo(6L * BATCH);
        }
    }

    /**
     * Rows of a delayed-feedback policy: every clicked sample first as a FIRST row (converted ones provisional
     * negatives for every other, followed a few batches later by their CORRECTION row).
     */
    static List<SampleBatch> delayedFeedbackBatches(int count) {
        LabeledSample[] all = TinyData.samples(count * BATCH, 13);
        List<LabeledSample> rows = new ArrayList<>();
        List<LabeledSample> pending = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            LabeledSample s = all[i];
            long click = 1_700_000_000_000L + i * 60_000L;
            if (s.click == 1) {
                LabeledSample first = new LabeledSample(s.id, s.ts, 1, s.conversion, s.features, s.truth);
                first.emission = io.counterflow.model.data.Emission.FIRST;
                first.clickTs = click;
                boolean late = s.conversion == 1 && i % 4 == 0;
                if (late) {
                    first.conversion = 0;
                    LabeledSample corr = new LabeledSample(s.id, s.ts, 1, 1, s.features, s.truth);
                    corr.emission = io.counterflow.model.data.Emission.CORRECTION;
                    corr.clickTs = click;
                    corr.conversionTs = click + 3_600_000L;
                    pending.add(corr);
                } else if (s.conversion == 1) {
                    first.conversionTs = click + 60_000L;
                }
                rows.add(first);
            } else {
                rows.add(s);
            }
            if (i % (3 * BATCH) == 0) {
                rows.addAll(pending);
                pending.clear();
            }
        }
        rows.addAll(pending);
        List<SampleBatch> l = new ArrayList<>();
        for (int b = 0; b + BATCH <= rows.size(); b += BATCH) {
            l.add(new SampleBatch(rows.subList(b, b + BATCH).toArray(new LabeledSample[0])));
        }
        return l;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fnw", "es-dfm", "defer"})
    void delayedFeedbackTrainingResumesExactlyWithItsDelayModel(String policy) throws Exception {
        List<SampleBatch> batches = delayedFeedbackBatches(40);
        int half = batches.size() / 2;
        TrainingSettings s = TrainingSettings.builder().backend("java").batchCapacity(BATCH).evalWindow(100)
                .stagingDir(staging.toString()).model(TinyData.tinySettings("escm2-ips", "shared-bottom"))
                .feedback(io.counterflow.model.feedback.Labeling.of(policy), 86_400_000L, 15 * 60_000L).build();
        Map<String, float[]> uninterrupted;
        double survival;
        long conversions;
        try (Trainer t = Trainer.open(s, null)) {
            t.feed(batches);
            uninterrupted = tensors(t.operator.model());
            survival = t.operator.correction().delayModel().survival();
            conversions = t.operator.correction().delayModel().conversions();
            assertThat(t.operator.correction().weightedRows()).isPositive();
            if (!policy.equals("fnw")) {
                assertThat(t.operator.correction().delayModel().ready()).as("the delay model learned").isTrue();
            }
        }
        OperatorSubtaskState snapshot;
        try (Trainer t = Trainer.open(s, null)) {
            t.feed(batches.subList(0, half));
            snapshot = t.harness.snapshot(1, 1);
            t.feed(batches.subList(half, half + 3)); // lost in the "failure"
        }
        try (Trainer t = Trainer.open(s, snapshot)) {
            t.feed(batches.subList(half, batches.size()));
            Map<String, float[]> after = tensors(t.operator.model());
            for (String name : uninterrupted.keySet()) {
                assertThat(after.get(name)).as(name).containsExactly(uninterrupted.get(name));
            }
            assertThat(t.operator.correction().delayModel().survival()).isEqualTo(survival);
            assertThat(t.operator.correction().delayModel().conversions()).isEqualTo(conversions);
        }
    }

    @Test
    void aVersion1StateWithoutCorrectionStateStillRestores() throws Exception {
        List<SampleBatch> batches = batches(3);
        OperatorSubtaskState snapshot;
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches);
            snapshot = t.harness.snapshot(1, 1);
        }
        // The same state as version 1 wrote it: the envelope and the model, nothing after.
        try (Trainer t = Trainer.open(settings(), snapshot)) {
            CvrModel m = t.operator.model();
            TrainingStateCodec.Counters c = new TrainingStateCodec.Counters();
            List<byte[]> v2 = TrainingStateCodec.write(c, m, new io.counterflow.model.feedback.FeedbackCorrection(
                    io.counterflow.model.feedback.Labeling.WAIT, 86_400_000L, 0), new SampleAudit());
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (byte[] b : v2) {
                all.write(b);
            }
            byte[] bytes = all.toByteArray();
            java.nio.ByteBuffer.wrap(bytes).putInt(4, 1);
            // Drop the correction state and the audit at the end (fixed sizes for a given window and elapsed time).
            java.io.ByteArrayOutputStream tail = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream tailData = new java.io.DataOutputStream(tail);
            new io.counterflow.model.feedback.FeedbackCorrection(io.counterflow.model.feedback.Labeling.WAIT,
                    86_400_000L, 0).write(tailData);
            new SampleAudit().write(tailData);
            tailData.flush();
            byte[] v1 = Arrays.copyOf(bytes, bytes.length - tail.size());
            io.counterflow.model.feedback.FeedbackCorrection fresh = new io.counterflow.model.feedback.FeedbackCorrection(
                    io.counterflow.model.feedback.Labeling.ES_DFM, 86_400_000L, 900_000L);
            SampleAudit audit = new SampleAudit();
            TrainingStateCodec.Restored r = TrainingStateCodec.read(List.of(v1), m.backend(), BATCH, fresh, audit);
            assertThat(r.model.step()).isEqualTo(3);
            assertThat(audit.complete()).isFalse();
            assertThat(fresh.delayModel().conversions()).isZero();
            r.model.close();
            byte[] v9 = bytes.clone();
            java.nio.ByteBuffer.wrap(v9).putInt(4, 9);
            assertThatThrownBy(() -> TrainingStateCodec.read(List.of(v9), m.backend(), BATCH, fresh,
                    new SampleAudit()))
                    .hasMessageContaining("unknown version 9");
        }
    }

    @Test
    void aSnapshotTakenBeforeTheFirstBatchRestoresToAnEmptyTrainer() throws Exception {
        OperatorSubtaskState snapshot;
        try (Trainer t = Trainer.open(settings(), null)) {
            snapshot = t.harness.snapshot(1, 1);
        }
        try (Trainer t = Trainer.open(settings(), snapshot)) {
            assertThat(t.operator.model()).isNull();
            t.feed(batches(1));
            assertThat(t.operator.model().step()).isEqualTo(1);
        }
    }

    @Test
    void aBatchWithANonFiniteValueIsSkippedCountedAndLeavesTheModelAsIfItNeverCame() throws Exception {
        List<SampleBatch> batches = batches(4);
        Map<String, float[]> without;
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches);
            without = tensors(t.operator.model());
        }
        LabeledSample[] poisoned = TinyData.samples(BATCH, 99);
        poisoned[5] = withPrice(poisoned[5], Double.NaN);
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches.subList(0, 2));
            t.feed(List.of(new SampleBatch(poisoned)));
            t.feed(batches.subList(2, 4));
            TrainingProgress skipped = t.progress().get(2);
            assertThat(skipped.trained).isFalse();
            assertThat(skipped.skippedBatches).isEqualTo(1);
            TrainingProgress last = t.progress().get(4);
            assertThat(last.skippedBatches).isEqualTo(1);
            assertThat(last.seenBatches).isEqualTo(5);
            assertThat(last.trainedSamples).isEqualTo(4L * BATCH);
            assertThat(last.step).isEqualTo(4);
            assertThat(Double.isFinite(last.loss)).isTrue();
            Map<String, float[]> with = tensors(t.operator.model());
            for (String name : without.keySet()) {
                assertThat(with.get(name)).as(name).containsExactly(without.get(name));
            }
        }
    }

    @Test
    void emitsTheModelBeforeEachCheckpointBarrierOnlyWhenItChangedAlsoAcrossARestore() throws Exception {
        List<SampleBatch> batches = batches(3);
        OperatorSubtaskState snapshot;
        try (Trainer t = Trainer.open(settings(), null)) {
            t.harness.prepareSnapshotPreBarrier(1);
            assertThat(t.versions()).as("no model before the first batch").isEmpty();
            t.feed(batches.subList(0, 1));
            t.harness.prepareSnapshotPreBarrier(2);
            t.harness.snapshot(2, 2);
            assertThat(t.versions()).extracting(ModelVersion::name).containsExactly("v-2-1");
            t.harness.prepareSnapshotPreBarrier(3); // no update since: nothing new
            t.harness.snapshot(3, 3);
            assertThat(t.versions()).hasSize(1);
            t.feed(batches.subList(1, 2));
            t.harness.prepareSnapshotPreBarrier(4);
            snapshot = t.harness.snapshot(4, 4);
            assertThat(t.versions()).extracting(ModelVersion::name).containsExactly("v-2-1", "v-4-2");
            ModelVersion v = t.versions().get(1);
            assertThat(v.trainedSamples).isEqualTo(2L * BATCH);
            assertThat(v.files[v.files.length - 1]).isEqualTo(ModelSnapshot.MANIFEST);
            assertThat(v.infoJson).contains("\"checkpoint_id\":4").contains("\"audit\"");
        }
        try (Trainer t = Trainer.open(settings(), snapshot)) {
            t.harness.prepareSnapshotPreBarrier(5); // the restored model was emitted before checkpoint 4's barrier
            assertThat(t.versions()).isEmpty();
            t.feed(batches.subList(2, 3));
            t.harness.prepareSnapshotPreBarrier(6);
            assertThat(t.versions()).extracting(ModelVersion::name).containsExactly("v-6-3");
        }
    }

    @Test
    void theEmittedVersionLoadsAndScoresLikeTheTrainedModel() throws Exception {
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches(3));
            t.harness.prepareSnapshotPreBarrier(7);
            Path copy = Files.createTempDirectory(staging, "version-");
            t.versions().get(0).writeTo(copy);
            int n = BATCH; // CvrScorer.of scores in steps of its own batch size: stay within the model's capacity
            LabeledSample[] probe = TinyData.samples(n, 5);
            float[] ctr1 = new float[n];
            float[] cvr1 = new float[n];
            float[] ctr2 = new float[n];
            float[] cvr2 = new float[n];
            try (CvrScorer loaded = ModelSnapshot.load(copy)) {
                loaded.score(probe, n, ctr1, cvr1);
            }
            try (CvrScorer live = CvrScorer.of(t.operator.model())) {
                live.score(probe, n, ctr2, cvr2);
            }
            assertThat(ctr1).containsExactly(ctr2, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(cvr1).containsExactly(cvr2, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void usesTheConfiguredFeatureSpaceWhenFieldsAreGiven() throws Exception {
        TrainingSettings s = TrainingSettings.builder().backend("java").batchCapacity(BATCH)
                .stagingDir(staging.toString()).model(TinyData.tinySettings("esmm", "shared-bottom"))
                .categoricalFields(List.of("user", "item", "absent")).numericFields(List.of("price")).build();
        try (Trainer t = Trainer.open(s, null)) {
            t.feed(batches(1));
            assertThat(t.operator.model().featureSpace().fieldNames()).containsExactly("user", "item", "absent",
                    "price");
        }
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches(1));
            assertThat(t.operator.model().featureSpace().fieldNames()).containsExactly("user", "item", "hist",
                    "price");
        }
    }

    @Test
    void splitsBatchesLargerThanTheCapacityIntoSeveralSteps() throws Exception {
        LabeledSample[] big = TinyData.samples(BATCH * 2 + 3, 3);
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(List.of(new SampleBatch(big)));
            assertThat(t.operator.model().step()).isEqualTo(3);
            assertThat(t.progress().get(0).trainedSamples).isEqualTo(big.length);
        }
    }

    @Test
    void kernelTimingReportsEveryKernelOfTheStepsSinceTheLastReportAndLeavesTheModelAsWithout() throws Exception {
        TrainingSettings timed = TrainingSettings.builder().backend("java").batchCapacity(BATCH).evalWindow(100)
                .stagingDir(staging.toString()).model(TinyData.tinySettings("escm2-ips", "shared-bottom"))
                .kernelTiming(true).build();
        Map<String, float[]> withTiming;
        try (Trainer t = Trainer.open(timed, null)) {
            t.feed(batches(3));
            String report = t.operator.kernelReport();
            assertThat(report).startsWith("Training kernels, ms per step over 3 steps:")
                    .contains("gemm N·N (forward)", "gemm Tᵀ·N (weight grad)", "gemm N·Tᵀ (input grad)",
                            "adam (dense)", "sparseAdam", "embed", "all kernels");
            assertThat(t.operator.kernelReport()).as("reset after each report")
                    .startsWith("Training kernels, ms per step over 0 steps:").doesNotContain("gemm");
            withTiming = tensors(t.operator.model());
        }
        try (Trainer t = Trainer.open(settings(), null)) {
            t.feed(batches(3));
            assertThat(t.operator.kernelReport()).as("off by default").isNull();
            Map<String, float[]> without = tensors(t.operator.model());
            assertThat(withTiming).isNotEmpty();
            assertThat(withTiming.keySet()).isEqualTo(without.keySet());
            withTiming.forEach((k, v) -> assertThat(v).as(k).containsExactly(without.get(k)));
        }
    }

    @Test
    void refusesToRunAtParallelismAboveOne() throws Exception {
        TrainingOperator op = new TrainingOperator(settings());
        try (OneInputStreamOperatorTestHarness<SampleBatch, TrainingProgress> h =
                new OneInputStreamOperatorTestHarness<>(op, 2, 2, 0)) {
            assertThatThrownBy(h::open).hasMessageContaining("parallelism 1");
        }
    }

    @Test
    void settingsSurviveJavaSerialization() throws Exception {
        Settings model = TinyData.tinySettings("dcmt", "mmoe");
        TrainingSettings s = TrainingSettings.builder().model(model).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new TrainingOperator(s));
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            in.readObject();
            TrainingSettings back = (TrainingSettings) in.readObject();
            assertThat(back.model().get(Settings.OBJECTIVE)).isEqualTo("dcmt");
            assertThat(back.model().get(Settings.EXTRACTOR)).isEqualTo("mmoe");
            assertThat(back.model().towers()).containsExactly(model.towers());
            assertThat(back.model().get(Settings.SEED)).isEqualTo(model.get(Settings.SEED));
        }
        assertThatThrownBy(() -> TrainingSettings.builder().backend("gpu").build())
                .hasMessageContaining("counterflow.train.backend");
    }

    // ------------------------------------------------------------------------------------------------ fixtures


    private static LabeledSample withPrice(LabeledSample s, double price) {
        Features f = s.features;
        Features g = new Features(f.catNames, f.catValues, f.multiNames, f.multiValues, f.numNames,
                new double[] {price});
        return new LabeledSample(s.id, s.ts, s.click, s.conversion, g, s.truth);
    }

    /** Every tensor (parameters and optimiser state) of the model, downloaded. */
    static Map<String, float[]> tensors(CvrModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Backend be = m.backend();
        for (Map.Entry<String, Tensor> e : m.tensors().entrySet()) {
            float[] a = new float[e.getValue().size()];
            be.download(e.getValue(), a, 0);
            out.put(e.getKey(), a);
        }
        return out;
    }

    /** The operator in a harness. */
    static final class Trainer implements AutoCloseable {
        final TrainingOperator operator;
        final OneInputStreamOperatorTestHarness<SampleBatch, TrainingProgress> harness;

        private Trainer(TrainingSettings s, OperatorSubtaskState restore) throws Exception {
            operator = new TrainingOperator(s);
            harness = new OneInputStreamOperatorTestHarness<>(operator);
            harness.getExecutionConfig().disableGenericTypes();
            harness.setup(TrainingProgress.TYPE_INFO.createSerializer(harness.getExecutionConfig()));
            if (restore != null) {
                harness.initializeState(restore);
            }
            harness.open();
        }

        static Trainer open(TrainingSettings s, OperatorSubtaskState restore) throws Exception {
            return new Trainer(s, restore);
        }

        void feed(List<SampleBatch> batches) throws Exception {
            for (SampleBatch b : batches) {
                harness.processElement(new StreamRecord<>(b, 0L));
            }
        }

        /** The model versions emitted so far. */
        List<ModelVersion> versions() {
            List<ModelVersion> l = new ArrayList<>();
            var out = harness.getSideOutput(TrainingOperator.MODEL_VERSIONS);
            if (out != null) {
                for (StreamRecord<ModelVersion> r : out) {
                    l.add(r.getValue());
                }
            }
            return l;
        }

        List<TrainingProgress> progress() {
            List<TrainingProgress> l = new ArrayList<>();
            for (Object o : harness.getOutput()) {
                if (o instanceof StreamRecord) {
                    l.add((TrainingProgress) ((StreamRecord<?>) o).getValue());
                }
            }
            return l;
        }

        @Override
        public void close() throws Exception {
            harness.close();
        }
    }
}
