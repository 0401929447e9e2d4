package io.counterflow.operators.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.operators.batch.SampleBatch;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Restores the golden {@link BatchEncodingOperator} snapshot (state version 1, {@link BatchEncoderGolden}) with the
 * current code: the feature space and its statistics come back, and the batches after it are encoded exactly as
 * by an uninterrupted run.
 */
class BatchEncoderStateEvolutionTest {
    @TempDir Path staging;

    private static OperatorSubtaskState golden() throws Exception {
        URL url = BatchEncoderStateEvolutionTest.class.getClassLoader().getResource(BatchEncoderGolden.V1);
        assertThat(url).as(BatchEncoderGolden.V1).isNotNull();
        return OperatorSnapshotUtil.readStateHandle(Paths.get(url.toURI()).toString());
    }

    @Test
    void theV1StateRestoresItsFeatureSpaceAndEncodesTheNextBatchesAsAnUninterruptedRun() throws Exception {
        TrainingSettings s = TrainingOperatorGolden.settings(staging.toString());
        int n = BatchEncoderGolden.BATCHES_BEFORE_SNAPSHOT;
        List<SampleBatch> uninterrupted;
        double[] statsAtSnapshot;
        try (BatchEncodingOperatorTest.Encoder e = new BatchEncodingOperatorTest.Encoder(s, null)) {
            List<SampleBatch> all = new ArrayList<>();
            for (int b = 0; b < n + 3; b++) {
                all.add(TrainingOperatorGolden.batch(b));
            }
            e.encode(all.subList(0, n));
            statsAtSnapshot = e.operator.space().numericState();
            uninterrupted = e.encode(all.subList(n, n + 3));
        }
        try (BatchEncodingOperatorTest.Encoder e = new BatchEncodingOperatorTest.Encoder(s, golden())) {
            assertThat(e.operator.passesThrough()).isFalse();
            assertThat(e.operator.space().numericState()).containsExactly(statsAtSnapshot);
            List<SampleBatch> after = new ArrayList<>();
            for (int b = n; b < n + 3; b++) {
                after.addAll(e.encode(List.of(TrainingOperatorGolden.batch(b))));
            }
            assertThat(after).hasSameSizeAs(uninterrupted);
            for (int i = 0; i < after.size(); i++) {
                var a = after.get(i).encoded;
                var u = uninterrupted.get(i).encoded;
                assertThat(a.numericState).containsExactly(u.numericState);
                assertThat(a.idHash).containsExactly(u.idHash);
                assertThat(a.steps[0].uniqueRows).containsExactly(u.steps[0].uniqueRows);
                assertThat(a.steps[0].catSlots).containsExactly(u.steps[0].catSlots);
                assertThat(a.steps[0].numeric).containsExactly(u.steps[0].numeric);
            }
        }
    }
}
