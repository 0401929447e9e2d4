package io.counterflow.operators.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.LabeledSample;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link LabelState} schema evolution: golden snapshots written by an older version of the join (see {@link
 * LabelJoinGolden} and {@code src/test/resources/golden/README.md}) restore with the current code and continue to
 * the same rows as an uninterrupted run of the current code.
 */
class LabelStateEvolutionTest {

    @ParameterizedTest
    @ValueSource(strings = {LabelJoinGolden.V1_HEAP, LabelJoinGolden.V1_ROCKSDB})
    void goldenSnapshotOfAnOlderLabelStateRestoresAndContinuesToTheSameRows(String golden) throws Exception {
        List<String> uninterrupted;
        List<String> beforeSnapshot;
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), LabelingPolicy.emitWhenFinal(),
                LabelJoinGolden.backend(golden))) {
            LabelJoinGolden.feedBeforeSnapshot(h);
            beforeSnapshot = transcript(h.samples(), h.deadLetters());
            LabelJoinGolden.feedAfterSnapshot(h);
            uninterrupted = transcript(h.samples(), h.deadLetters());
        }
        OperatorSubtaskState snapshot = LabelJoinGolden.read(golden);
        try (JoinHarness h = JoinHarness.restore(LabelJoinSettings.defaults(), LabelingPolicy.emitWhenFinal(),
                LabelJoinGolden.backend(golden), snapshot)) {
            // five keys: three OPEN, one early-only bucket (map state), one tombstone
            assertThat(h.eventTimeTimers()).as("restored timers").isEqualTo(5);
            LabelJoinGolden.feedAfterSnapshot(h);
            List<String> restored = new ArrayList<>(beforeSnapshot);
            restored.addAll(transcript(h.samples(), h.deadLetters()));
            assertThat(sorted(restored)).isEqualTo(sorted(uninterrupted));
            assertThat(h.reasons()).containsExactly(BadInputReason.LATE_EVENT);
            assertThat(h.samples()).extracting(s -> s.id + "=" + s.click + s.conversion).containsExactly(
                    "open-waiting=11", "open-clicked=11", "open-unclicked=00", "early-only=10");
            assertThat(h.keyedStateEntries()).isZero();
            assertThat(h.eventTimeTimers()).isZero();
        }
    }

    private static List<String> sorted(List<String> l) {
        List<String> c = new ArrayList<>(l);
        c.sort(null);
        return c;
    }

    private static List<String> transcript(List<LabeledSample> samples, List<DeadLetter> dead) {
        List<String> out = new ArrayList<>();
        for (LabeledSample s : samples) {
            out.add("sample " + s);
        }
        for (DeadLetter d : dead) {
            out.add("dead " + d.reason + " " + d.detail);
        }
        return out;
    }
}
