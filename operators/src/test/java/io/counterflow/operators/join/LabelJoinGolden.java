package io.counterflow.operators.join;

import static io.counterflow.operators.join.JoinHarness.DAY;
import static io.counterflow.operators.join.JoinHarness.MIN;
import static io.counterflow.operators.join.JoinHarness.T0;

import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Golden operator snapshots of {@link LabelJoinOperator} with {@code wait} ({@link LabelingPolicy#emitWhenFinal()})
 * and default settings, taken mid-stream with several OPEN keys, so that every later change of the join's state
 * (a new {@link LabelState} field is POJO schema evolution) is proven against state written by the code that ran
 * before it. {@code LabelStateEvolutionTest} restores them and continues with {@link #feedAfterSnapshot}.
 *
 * <p>The files in {@code src/test/resources/golden/} were written by {@link #writeGoldenSnapshots()} with the code
 * of commit c0e061b (LabelState without {@code emissions}/{@code conversionEmitted}); see the README there. Never
 * regenerate them with newer code: that would prove nothing.
 */
class LabelJoinGolden {
    /** Golden files of LabelState v1 (fields up to {@code timerAt}), one per state backend. */
    static final String V1_HEAP = "golden/label-join-wait-v1-heap.snapshot";
    static final String V1_ROCKSDB = "golden/label-join-wait-v1-rocksdb.snapshot";

    static final long WATERMARK_AT_SNAPSHOT = T0 + 5 * MIN;

    /**
     * Before the snapshot. At the snapshot: {@code open-unclicked} (OPEN, timer at its click window),
     * {@code open-clicked} (OPEN, clicked, timer at its attribution window), {@code open-waiting} (OPEN, a
     * conversion waiting for its click in the buffer), {@code early-only} (no impression yet: one early bucket
     * and its expiry timer), {@code tombstone} (emitted (1, 1)), and the checkpointed watermark.
     */
    static void feedBeforeSnapshot(JoinHarness h) throws Exception {
        h.impression("open-unclicked", T0).impression("open-clicked", T0).impression("open-waiting", T0)
                .impression("tombstone", T0);
        h.click("open-clicked", T0 + 2 * MIN).conversion("open-waiting", T0 + 3 * MIN);
        h.click("tombstone", T0 + MIN).conversion("tombstone", T0 + 4 * MIN);
        h.click("early-only", T0 + 4 * MIN);
        h.watermark(WATERMARK_AT_SNAPSHOT);
    }

    /** After the restore: every OPEN key is continued to its final rows, then the watermark passes everything. */
    static void feedAfterSnapshot(JoinHarness h) throws Exception {
        h.impression("late", T0 - 6 * MIN); // late by the restored watermark: a LATE_EVENT dead letter
        h.impression("early-only", T0 + 3 * MIN); // joins its buffered click
        h.click("open-waiting", T0 + 2 * MIN); // its waiting conversion (3 min) counts now: (1, 1) at once
        h.conversion("open-clicked", T0 + 2 * MIN + DAY);
        h.watermark(T0 + 40 * MIN); // open-unclicked's click window closes
        h.watermark(T0 + 4 * MIN + 7 * DAY); // early-only's attribution window closes
        h.watermark(T0 + 8 * DAY);
    }

    static StateBackend backend(String golden) {
        return golden.contains("rocksdb") ? new EmbeddedRocksDBStateBackend() : null;
    }

    static OperatorSubtaskState read(String golden) throws Exception {
        URL url = LabelJoinGolden.class.getClassLoader().getResource(golden);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + golden);
        }
        return OperatorSnapshotUtil.readStateHandle(new File(url.toURI()).getPath());
    }

    /**
     * Writes the golden files into {@code operators/src/test/resources/golden/}. Run only on purpose: {@code mvn
     * -B -o -pl operators -am test -Dtest=LabelJoinGolden -Dsurefire.failIfNoSpecifiedTests=false
     * -Dcounterflow.golden.write=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "counterflow.golden.write", matches = "true")
    void writeGoldenSnapshots() throws Exception {
        Path dir = Paths.get("src/test/resources/golden");
        Files.createDirectories(dir);
        for (String golden : new String[] {V1_HEAP, V1_ROCKSDB}) {
            try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), LabelingPolicy.emitWhenFinal(),
                    backend(golden))) {
                feedBeforeSnapshot(h);
                OperatorSubtaskState snapshot = h.snapshot(1);
                OperatorSnapshotUtil.writeStateHandle(snapshot,
                        dir.resolve(Paths.get(golden).getFileName()).toString());
            }
        }
    }
}
