package io.counterflow.operators.train;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.testing.TinyData;
import io.counterflow.operators.batch.SampleBatch;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Golden operator snapshot of {@link TrainingOperator} in {@link TrainingStateCodec} version 2 (envelope, model,
 * delayed-feedback correction; no sample audit), so that every later change of the trainer's state is proven
 * against state written by the code that ran before it. {@code TrainingStateEvolutionTest} restores it.
 *
 * <p>How the file was made: this class was run with the code of commit c55135b (codec version 2) by {@code mvn
 * -B -o -pl operators -am test -Dtest=TrainingOperatorGolden -Dsurefire.failIfNoSpecifiedTests=false
 * -Dcounterflow.golden.write=true} (Flink 1.20.3, Java 17). Never regenerate the file with newer code.
 */
class TrainingOperatorGolden {
    static final String V2 = "golden/trainer-es-dfm-v2.snapshot";
    static final int BATCH = 16;
    static final int BATCHES_BEFORE_SNAPSHOT = 3;

    /** The trainer of the golden run: java backend (bit-for-bit), tiny escm2-ips, es-dfm with a 1-day window. */
    static TrainingSettings settings(String stagingDir) {
        return TrainingSettings.builder().backend("java").batchCapacity(BATCH).evalWindow(100).stagingDir(stagingDir)
                .model(TinyData.tinySettings("escm2-ips", "shared-bottom")).build()
                .withFeedback(io.counterflow.model.feedback.Labeling.ES_DFM, 86_400_000L, 900_000L);
    }

    /** Batch {@code b} of the golden run: tiny samples as es-dfm rows (FIRST for clicked, FINAL otherwise). */
    static SampleBatch batch(int b) {
        LabeledSample[] all = TinyData.samples((b + 1) * BATCH, 17);
        LabeledSample[] rows = Arrays.copyOfRange(all, b * BATCH, (b + 1) * BATCH);
        for (int i = 0; i < rows.length; i++) {
            LabeledSample s = rows[i];
            if (s.click == 1) {
                s.emission = Emission.FIRST;
                s.clickTs = s.ts + 60_000L;
                if (s.conversion == 1) {
                    s.conversionTs = s.clickTs + 120_000L;
                }
            }
        }
        return new SampleBatch(rows);
    }

    static OneInputStreamOperatorTestHarness<SampleBatch, TrainingProgress> open(TrainingOperator operator,
            OperatorSubtaskState restore) throws Exception {
        OneInputStreamOperatorTestHarness<SampleBatch, TrainingProgress> h =
                new OneInputStreamOperatorTestHarness<>(operator);
        h.getExecutionConfig().disableGenericTypes();
        h.setup(TrainingProgress.TYPE_INFO.createSerializer(h.getExecutionConfig()));
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    @Test
    @EnabledIfSystemProperty(named = "counterflow.golden.write", matches = "true")
    void write() throws Exception {
        Path staging = Files.createTempDirectory("golden-staging");
        TrainingOperator op = new TrainingOperator(settings(staging.toString()));
        try (OneInputStreamOperatorTestHarness<SampleBatch, TrainingProgress> h = open(op, null)) {
            for (int b = 0; b < BATCHES_BEFORE_SNAPSHOT; b++) {
                h.processElement(new StreamRecord<>(batch(b), 0L));
            }
            OperatorSubtaskState s = h.snapshot(1, 1);
            Path out = Paths.get("src/test/resources", V2);
            Files.createDirectories(out.getParent());
            OperatorSnapshotUtil.writeStateHandle(s, out.toString());
        }
    }
}
