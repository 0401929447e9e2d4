package io.counterflow.operators.train;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Golden operator snapshot of {@link BatchEncodingOperator} in state version 1 (the feature space inferred from
 * the golden run's first batch, with the numeric statistics of {@value #BATCHES_BEFORE_SNAPSHOT} batches), so that
 * every later change of the encoder's state is proven against state written by the code that introduced it.
 * {@code BatchEncoderStateEvolutionTest} restores it. The batches are {@link TrainingOperatorGolden#batch}.
 *
 * <p>How the file was made: by {@code mvn -B -o -pl operators -am test -Dtest=BatchEncoderGolden
 * -Dsurefire.failIfNoSpecifiedTests=false -Dcounterflow.golden.write=true} (Flink 1.20.3, Java 17) with the code
 * that introduced the encoder. Never regenerate the file with newer code.
 */
class BatchEncoderGolden {
    static final String V1 = "golden/batch-encoder-v1.snapshot";
    static final int BATCHES_BEFORE_SNAPSHOT = 3;

    @TempDir Path staging;

    @Test
    @EnabledIfSystemProperty(named = "counterflow.golden.write", matches = "true")
    void write() throws Exception {
        try (BatchEncodingOperatorTest.Encoder e = new BatchEncodingOperatorTest.Encoder(
                TrainingOperatorGolden.settings(staging.toString()), null)) {
            for (int b = 0; b < BATCHES_BEFORE_SNAPSHOT; b++) {
                e.encode(List.of(TrainingOperatorGolden.batch(b)));
            }
            OperatorSubtaskState s = e.harness.snapshot(1, 1);
            Path out = Paths.get("src/test/resources", V1);
            Files.createDirectories(out.getParent());
            OperatorSnapshotUtil.writeStateHandle(s, out.toString());
        }
    }
}
