package io.counterflow.operators.batch;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * Golden operator snapshot of {@link MiniBatcher} whose buffered samples are {@link LabeledSample} v1 (the fields
 * {@code id, ts, click, conversion, features, truth}, before {@code emission}, {@code clickTs} and {@code
 * conversionTs} were added), so that every later change of the sample POJO is proven against batcher state
 * written by the code that ran before it. {@code MiniBatcherStateEvolutionTest} restores it.
 *
 * <p>How the file was made: this class, with exactly this source, was added to a worktree of commit 37aea4d
 * ("Merge branch 'drift'", the last main commit before "LabeledSample: emission kind, click and conversion
 * times") and run there with {@code mvn -B -o -pl operators -am test -Dtest=MiniBatcherGolden
 * -Dsurefire.failIfNoSpecifiedTests=false -Dcounterflow.golden.write=true} (Flink 1.20.3, Java 17). It uses only
 * API that both versions have. Never regenerate the file with newer code: that would prove nothing; add a new
 * file instead.
 */
class MiniBatcherGolden {
    /** Golden file: {@link #BATCH_SIZE} = 4, {@link #SAMPLES} fed, 4 emitted, the last 2 buffered. */
    static final String V1 = "golden/mini-batcher-v1.snapshot";

    static final int BATCH_SIZE = 4;
    static final long MAX_DELAY_MS = 60_000;
    /** Samples 0..3 form the batch emitted before the snapshot; 4 and 5 are buffered in it. */
    static final int SAMPLES = 6;
    static final int BUFFERED_AT_SNAPSHOT = 2;

    /** Sample {@code n} of the golden run: distinct id, ts, labels, features and (for odd n) truth. */
    static LabeledSample sample(int n) {
        int click = n % 3 == 0 ? 0 : 1;
        int conversion = click == 1 && n % 2 == 1 ? 1 : 0;
        Features f = new Features(new String[] {"site", "device"}, new String[] {"site-" + n, n % 2 == 0 ? "mobile"
                : "desktop"}, new String[] {"tags"}, new String[][] {{"t" + n, "t" + (n + 1), "shared"}},
                new String[] {"price", "age"}, new double[] {1.5 + n, -0.25 * n});
        Truth truth = n % 2 == 1 ? new Truth(0.01 * (n + 1), 0.1 + 0.05 * n) : null;
        return new LabeledSample("golden-imp-" + n, 1_700_000_000_000L + 1_000L * n, click, conversion, f, truth);
    }

    /** The harness of the golden run (and of its restores): parallelism 1, POJO input, no generic types. */
    static OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> open(MiniBatchSettings settings,
            OperatorSubtaskState restore) throws Exception {
        OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = new OneInputStreamOperatorTestHarness<>(
                new MiniBatcher(settings), Types.POJO(LabeledSample.class).createSerializer(new ExecutionConfig()));
        h.getExecutionConfig().disableGenericTypes();
        h.setup(SampleBatch.TYPE_INFO.createSerializer(h.getExecutionConfig()));
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    static OperatorSubtaskState read(String golden) throws Exception {
        URL url = MiniBatcherGolden.class.getClassLoader().getResource(golden);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + golden);
        }
        return OperatorSnapshotUtil.readStateHandle(new File(url.toURI()).getPath());
    }

    /**
     * Writes the golden file into {@code operators/src/test/resources/golden/}. Run only on purpose, and only with
     * the code of commit 37aea4d (see the class comment).
     */
    @Test
    @EnabledIfSystemProperty(named = "counterflow.golden.write", matches = "true")
    void writeGoldenSnapshot() throws Exception {
        Path dir = Paths.get("src/test/resources/golden");
        Files.createDirectories(dir);
        try (OneInputStreamOperatorTestHarness<LabeledSample, SampleBatch> h = open(
                new MiniBatchSettings(BATCH_SIZE, Duration.ofMillis(MAX_DELAY_MS)), null)) {
            h.setProcessingTime(0);
            for (int n = 0; n < SAMPLES; n++) {
                LabeledSample s = sample(n);
                h.processElement(s, s.ts);
            }
            if (h.extractOutputValues().size() != 1 || h.extractOutputValues().get(0).count != BATCH_SIZE) {
                throw new IllegalStateException("expected one batch of " + BATCH_SIZE + " before the snapshot: "
                        + h.extractOutputValues());
            }
            OperatorSubtaskState snapshot = h.snapshot(1, 1);
            OperatorSnapshotUtil.writeStateHandle(snapshot, dir.resolve(Paths.get(V1).getFileName()).toString());
        }
    }
}
