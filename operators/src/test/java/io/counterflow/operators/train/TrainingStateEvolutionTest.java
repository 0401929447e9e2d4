package io.counterflow.operators.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.nn.CvrModel;
import io.counterflow.operators.batch.SampleBatch;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * The trainer restores state written by older code ({@link TrainingOperatorGolden}: codec version 2) and continues
 * exactly as the run that wrote it would have; its sample audit then starts, marked incomplete. A current-format
 * snapshot → restore → continue keeps the audit equal to that of an uninterrupted run.
 */
class TrainingStateEvolutionTest {
    private static final int TOTAL_BATCHES = 6;

    @TempDir Path staging;

    private static OperatorSubtaskState golden() throws Exception {
        URL url = TrainingStateEvolutionTest.class.getClassLoader().getResource(TrainingOperatorGolden.V2);
        assertThat(url).as(TrainingOperatorGolden.V2).isNotNull();
        return OperatorSnapshotUtil.readStateHandle(Paths.get(url.toURI()).toString());
    }

    private TrainingOperator operator() {
        return new TrainingOperator(TrainingOperatorGolden.settings(staging.toString()));
    }

    private static void feed(OneInputStreamOperatorTestHarness<SampleBatch, TrainingProgress> h, int from, int to)
            throws Exception {
        for (int b = from; b < to; b++) {
            h.processElement(new StreamRecord<>(TrainingOperatorGolden.batch(b), 0L));
        }
    }

    private static Map<String, float[]> tensors(CvrModel m) {
        return TrainingOperatorTest.tensors(m);
    }

    @Test
    void aVersion2StateRestoresAndContinuesLikeTheRunThatWroteIt() throws Exception {
        TrainingOperator straight = operator();
        Map<String, float[]> uninterrupted;
        try (var h = TrainingOperatorGolden.open(straight, null)) {
            feed(h, 0, TOTAL_BATCHES);
            uninterrupted = tensors(straight.model());
        }
        TrainingOperator restored = operator();
        try (var h = TrainingOperatorGolden.open(restored, golden())) {
            assertThat(restored.model().step()).isEqualTo(TrainingOperatorGolden.BATCHES_BEFORE_SNAPSHOT);
            assertThat(restored.audit().complete()).isFalse();
            assertThat(restored.audit().rows()).isZero();
            feed(h, TrainingOperatorGolden.BATCHES_BEFORE_SNAPSHOT, TOTAL_BATCHES);
            Map<String, float[]> after = tensors(restored.model());
            assertThat(after.keySet()).containsExactlyElementsOf(uninterrupted.keySet());
            for (String name : uninterrupted.keySet()) {
                assertThat(after.get(name)).as(name).containsExactly(uninterrupted.get(name));
            }
            int continued = (TOTAL_BATCHES - TrainingOperatorGolden.BATCHES_BEFORE_SNAPSHOT)
                    * TrainingOperatorGolden.BATCH;
            assertThat(restored.audit().rows()).isEqualTo(continued);
        }
    }

    @Test
    void theAuditSurvivesSnapshotRestoreContinueAndEqualsAnUninterruptedRun() throws Exception {
        TrainingOperator straight = operator();
        try (var h = TrainingOperatorGolden.open(straight, null)) {
            feed(h, 0, TOTAL_BATCHES);
        }
        OperatorSubtaskState snapshot;
        TrainingOperator first = operator();
        try (var h = TrainingOperatorGolden.open(first, null)) {
            feed(h, 0, 2);
            snapshot = h.snapshot(1, 1);
            feed(h, 2, 4); // lost in the "failure", replayed below
        }
        TrainingOperator resumed = operator();
        try (var h = TrainingOperatorGolden.open(resumed, snapshot)) {
            assertThat(resumed.audit().rows()).isEqualTo(2L * TrainingOperatorGolden.BATCH);
            feed(h, 2, TOTAL_BATCHES);
            assertThat(resumed.audit().toInfo()).isEqualTo(straight.audit().toInfo());
            assertThat(resumed.audit().complete()).isTrue();
        }
    }
}
