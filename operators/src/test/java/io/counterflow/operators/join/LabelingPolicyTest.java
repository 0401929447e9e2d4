package io.counterflow.operators.join;

import static io.counterflow.operators.join.JoinHarness.DAY;
import static io.counterflow.operators.join.JoinHarness.HOUR;
import static io.counterflow.operators.join.JoinHarness.MIN;
import static io.counterflow.operators.join.JoinHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Harness tests of every {@link LabelingPolicy} on one stream (per-event watermark, bound = allowed lateness =
 * 10 min; click window 30 min, attribution window 7 d, elapsed time c = 15 min): exact rows, in order, with the
 * step that emitted them; snapshot → restore → continue at every cut; state and timer cleanup.
 *
 * <p>The impressions, all at T0: {@code a} clicked +1m, converted +5m (early: within c); {@code b} clicked +2m,
 * converted +2h (delayed: after c); {@code n} clicked +3m, never converted; {@code o} clicked +4m, converted
 * outside the attribution window; {@code u} never clicked; {@code d} at +6m, clicked +7m, converted +25m (after
 * c, but accepted before the watermark reaches its ts_click + c, since events run ahead of the watermark).
 */
class LabelingPolicyTest {
    private static final long AW = 7 * DAY;
    private static final long L = 10 * MIN;
    private static final long C = 15 * MIN;
    private static final long END = T0 + AW + 2 * DAY;

    static PolicyScript script() {
        PolicyScript s = PolicyScript.perEventWatermark(L);
        for (String id : new String[] {"a", "b", "n", "o", "u"}) {
            s.impression(id, T0);
        }
        s.click("a", T0 + MIN).click("b", T0 + 2 * MIN).click("n", T0 + 3 * MIN).click("o", T0 + 4 * MIN);
        s.conversion("a", T0 + 5 * MIN);
        s.impression("d", T0 + 6 * MIN).click("d", T0 + 7 * MIN).conversion("d", T0 + 25 * MIN);
        s.watermark(T0 + 40 * MIN); // idle sources: the watermark moves on without events
        s.conversion("b", T0 + 2 * HOUR);
        s.conversion("o", T0 + 4 * MIN + AW + 1);
        s.watermark(T0 + AW + 10 * MIN);
        s.watermark(END);
        return s;
    }

    static LabelingPolicy policy(Labeling l) {
        return LabelingPolicy.of(l, C);
    }

    @Test
    void waitEmitsOneFinalRowPerImpressionWhenItsLabelsAreFinal() throws Exception {
        assertThat(run(Labeling.WAIT)).containsExactly(
                "conv a +5m: FINAL a (1,1) click +1m conv +5m",
                "conv d +25m: FINAL d (1,1) click +7m conv +25m",
                "W +40m: FINAL u (0,0) click 0 conv 0",
                "conv b +2h: FINAL b (1,1) click +2m conv +2h",
                "conv o +7d4m1ms: dead CONVERSION_OUTSIDE_WINDOW",
                "W +7d10m: FINAL n (1,0) click +3m conv 0; FINAL o (1,0) click +4m conv 0");
    }

    @Test
    void fnwEmitsANegativeAtTheClickAndACorrectionAtTheConversion() throws Exception {
        assertThat(run(Labeling.FNW)).containsExactly(
                "click a +1m: FIRST a (1,0) click +1m conv 0",
                "click b +2m: FIRST b (1,0) click +2m conv 0",
                "click n +3m: FIRST n (1,0) click +3m conv 0",
                "click o +4m: FIRST o (1,0) click +4m conv 0",
                "conv a +5m: CORRECTION a (1,1) click +1m conv +5m",
                "click d +7m: FIRST d (1,0) click +7m conv 0",
                "conv d +25m: CORRECTION d (1,1) click +7m conv +25m",
                "W +40m: FINAL u (0,0) click 0 conv 0",
                "conv b +2h: CORRECTION b (1,1) click +2m conv +2h",
                "conv o +7d4m1ms: dead CONVERSION_OUTSIDE_WINDOW");
    }

    @Test
    void esDfmEmitsTheLabelObservedAfterTheElapsedTimeThenCorrectsLaterConversions() throws Exception {
        assertThat(run(Labeling.ES_DFM)).containsExactly(
                "W +40m: FIRST a (1,1) click +1m conv +5m; FIRST b (1,0) click +2m conv 0;"
                        + " FIRST n (1,0) click +3m conv 0; FIRST o (1,0) click +4m conv 0;"
                        + " FIRST d (1,0) click +7m conv 0; CORRECTION d (1,1) click +7m conv +25m;"
                        + " FINAL u (0,0) click 0 conv 0",
                "conv b +2h: CORRECTION b (1,1) click +2m conv +2h",
                "conv o +7d4m1ms: dead CONVERSION_OUTSIDE_WINDOW");
    }

    @Test
    void deferAddsAFinalCopyOfEveryClickedImpressionWithoutCorrection() throws Exception {
        assertThat(run(Labeling.DEFER)).containsExactly(
                "W +40m: FIRST a (1,1) click +1m conv +5m; FIRST b (1,0) click +2m conv 0;"
                        + " FIRST n (1,0) click +3m conv 0; FIRST o (1,0) click +4m conv 0;"
                        + " FIRST d (1,0) click +7m conv 0; CORRECTION d (1,1) click +7m conv +25m;"
                        + " FINAL u (0,0) click 0 conv 0",
                "conv b +2h: CORRECTION b (1,1) click +2m conv +2h",
                "conv o +7d4m1ms: dead CONVERSION_OUTSIDE_WINDOW",
                "W +7d10m: FINAL_COPY a (1,1) click +1m conv +5m; FINAL_COPY n (1,0) click +3m conv 0;"
                        + " FINAL_COPY o (1,0) click +4m conv 0");
    }

    @Test
    void theFirstRowOfEsDfmWaitsForTheWatermarkAtClickPlusElapsed() throws Exception {
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), policy(Labeling.ES_DFM))) {
            h.impression("a", T0).click("a", T0 + MIN).conversion("a", T0 + 5 * MIN).watermark(T0 + MIN + C - 1);
            assertThat(h.samples()).isEmpty();
            h.watermark(T0 + MIN + C);
            assertThat(h.samples()).extracting(PolicyScript::row)
                    .containsExactly("FIRST a (1,1) click +1m conv +5m");
            h.watermark(END);
            assertCleaned(h);
        }
    }

    @Test
    void aLateConversionObservedByTheElapsedTimeButAcceptedAfterTheFirstRowIsACorrection() throws Exception {
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), policy(Labeling.ES_DFM))) {
            h.impression("a", T0).click("a", T0 + MIN).watermark(T0 + 17 * MIN);
            h.conversion("a", T0 + 10 * MIN); // behind the watermark, within the allowed lateness
            assertThat(h.samples()).extracting(PolicyScript::row).containsExactly(
                    "FIRST a (1,0) click +1m conv 0", "CORRECTION a (1,1) click +1m conv +10m");
            h.watermark(END);
            assertCleaned(h);
        }
    }

    @Test
    void fnwReportsAConversionThatWaitedForItsClickAsACorrectionRightAfterTheFirstRow() throws Exception {
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), policy(Labeling.FNW))) {
            h.impression("a", T0).conversion("a", T0 + 5 * MIN).click("a", T0 + 2 * MIN);
            assertThat(h.samples()).extracting(PolicyScript::row).containsExactly(
                    "FIRST a (1,0) click +2m conv 0", "CORRECTION a (1,1) click +2m conv +5m");
            h.watermark(END);
            assertThat(h.samples()).hasSize(2);
            assertCleaned(h);
        }
    }

    @Test
    void deferWithTheElapsedTimeEqualToTheAttributionWindowEmitsBothRowsAtItsEnd() throws Exception {
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), LabelingPolicy.defer(AW))) {
            h.impression("a", T0).click("a", T0 + MIN).watermark(T0 + MIN + AW - 1);
            assertThat(h.samples()).isEmpty();
            h.watermark(T0 + MIN + AW);
            assertThat(h.samples()).extracting(PolicyScript::row).containsExactly(
                    "FIRST a (1,0) click +1m conv 0", "FINAL_COPY a (1,0) click +1m conv 0");
            h.watermark(END);
            assertCleaned(h);
        }
    }

    @Test
    void esDfmWithZeroElapsedTimeEmitsAtTheClicksWatermark() throws Exception {
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), LabelingPolicy.esDfm(0))) {
            h.impression("a", T0).click("a", T0 + MIN).watermark(T0 + MIN);
            assertThat(h.samples()).extracting(PolicyScript::row).containsExactly("FIRST a (1,0) click +1m conv 0");
            h.conversion("a", T0 + MIN).watermark(END);
            assertThat(h.samples()).extracting(PolicyScript::row).containsExactly("FIRST a (1,0) click +1m conv 0",
                    "CORRECTION a (1,1) click +1m conv +1m");
            assertCleaned(h);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Labeling.class, names = {"WAIT", "FNW", "ES_DFM", "DEFER"})
    void everyRowKindIsCountedAndNothingRemainsAfterTheLastWindow(Labeling l) throws Exception {
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), policy(l))) {
            script().run(h);
            assertCleaned(h);
            long total = 0;
            for (Emission kind : Emission.values()) {
                long counted = h.metrics().emissions.get(kind).getCount();
                assertThat(counted).as(kind.name())
                        .isEqualTo(h.samples().stream().filter(s -> s.emission == kind).count());
                total += counted;
            }
            assertThat(total).isEqualTo(h.samples().size());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Labeling.class, names = {"WAIT", "FNW", "ES_DFM", "DEFER"})
    void snapshotAndRestoreAtEveryCutGiveExactlyTheRowsOfAnUninterruptedRun(Labeling l) throws Exception {
        PolicyScript script = script();
        List<String> expected;
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), policy(l))) {
            expected = script.run(h);
        }
        for (int cut = 1; cut < script.steps(); cut++) {
            List<String> transcript = new ArrayList<>();
            JoinHarness first = JoinHarness.open(LabelJoinSettings.defaults(), policy(l));
            script.feed(first, 0, cut, transcript);
            OperatorSubtaskState snap = first.snapshot(cut);
            first.close();
            try (JoinHarness second = first.restoreInto(snap)) {
                script.feed(second, cut, script.steps(), transcript);
                assertThat(transcript).as("%s, cut after step %d", l, cut).isEqualTo(expected);
                assertCleaned(second);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Labeling.class, names = {"FNW", "ES_DFM", "DEFER"})
    void theMixedStreamOfTheJoinTestRestoresAtEveryCutForEveryPolicy(Labeling l) throws Exception {
        List<String> expected;
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), policy(l))) {
            LabelJoinOperatorTest.feedMixedScript(h, null);
            h.watermark(LabelJoinOperatorTest.AFTER_ALL + HOUR);
            expected = transcript(h.samples(), h.deadLetters());
            assertCleaned(h);
        }
        int steps = LabelJoinOperatorTest.feedMixedScript(null, null);
        for (int cut = 1; cut < steps; cut++) {
            JoinHarness first = JoinHarness.open(LabelJoinSettings.defaults(), policy(l));
            LabelJoinOperatorTest.feedMixedScript(first, new int[] {0, cut});
            List<LabeledSample> rows = new ArrayList<>(first.samples());
            List<DeadLetter> dead = new ArrayList<>(first.deadLetters());
            OperatorSubtaskState snap = first.snapshot(cut);
            first.close();
            try (JoinHarness second = first.restoreInto(snap)) {
                LabelJoinOperatorTest.feedMixedScript(second, new int[] {cut, steps});
                second.watermark(LabelJoinOperatorTest.AFTER_ALL + HOUR);
                rows.addAll(second.samples());
                dead.addAll(second.deadLetters());
                assertThat(transcript(rows, dead)).as("%s, cut after step %d", l, cut).isEqualTo(expected);
                assertCleaned(second);
            }
        }
    }

    @Test
    void theJoinRejectsTheOraclePolicy() {
        assertThatThrownBy(() -> LabelingPolicy.of(Labeling.ORACLE, C)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("oracle needs the final labels in advance: simulations only");
        LabelJoinSettings oracle = LabelJoinSettings.builder().labeling(Labeling.ORACLE).build();
        assertThat(oracle.labeling()).isEqualTo(Labeling.ORACLE); // the trainer may read it in simulations
        assertThatThrownBy(() -> LabelingPolicy.of(oracle)).hasMessageContaining("simulations only");
    }

    @Test
    void labelingSettingsAreValidatedAndReadFromTheConfiguration() {
        LabelJoinSettings d = LabelJoinSettings.defaults();
        Labeling byDefault = Labeling.of(LabelJoinSettings.DEFAULT_LABELING_POLICY);
        assertThat(d.labeling()).isEqualTo(byDefault);
        assertThat(d.labelingElapsedMs()).isEqualTo(C);
        assertThat(LabelingPolicy.of(d).labeling()).isEqualTo(byDefault);
        assertThatThrownBy(() -> LabelJoinSettings.builder().labeling("dfm").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counterflow.labeling.policy")
                .hasMessageContaining("got dfm");
        assertThatThrownBy(() -> LabelJoinSettings.builder().labelingElapsed(Duration.ofMillis(-1)).build())
                .hasMessageContaining("counterflow.labeling.elapsed");
        // c <= aw for the policies that wait c; c may exceed the click window
        assertThatThrownBy(() -> LabelJoinSettings.builder().labeling("defer").attributionWindow(Duration.ofMinutes(10))
                .build()).hasMessageContaining("counterflow.labeling.elapsed")
                .hasMessageContaining("counterflow.join.attribution-window");
        assertThat(LabelJoinSettings.builder().labeling("es-dfm").labelingElapsed(Duration.ofHours(2)).build()
                .labelingElapsedMs()).isEqualTo(2 * HOUR);
        assertThat(LabelJoinSettings.builder().labeling("es-dfm").labelingElapsed(Duration.ofDays(7)).build()
                .labelingElapsedMs()).isEqualTo(AW);
        // wait and fnw do not read c: a short attribution window is fine with the default c
        assertThat(LabelJoinSettings.builder().labeling("fnw").attributionWindow(Duration.ofMinutes(10)).build()
                .labeling()).isEqualTo(Labeling.FNW);
        Configuration c = new Configuration();
        c.set(LabelJoinSettings.LABELING_POLICY.option(), "ES-DFM");
        c.set(LabelJoinSettings.LABELING_ELAPSED.option(), Duration.ofMinutes(45));
        LabelJoinSettings fromConfig = LabelJoinSettings.fromConfig(c);
        assertThat(fromConfig.labeling()).isEqualTo(Labeling.ES_DFM);
        assertThat(fromConfig.labelingElapsedMs()).isEqualTo(45 * MIN);
        assertThat(LabelingPolicy.of(fromConfig)).isInstanceOf(ElapsedTimeSampling.class);
    }

    // ----------------------------------------------------------------------------------------------- fixtures

    private static List<String> run(Labeling l) throws Exception {
        try (JoinHarness h = JoinHarness.open(LabelJoinSettings.defaults(), policy(l))) {
            List<String> t = script().run(h);
            assertCleaned(h);
            return t;
        }
    }

    /** All rows, then all dead letters (rows and dead letters are separate outputs). */
    private static List<String> transcript(List<LabeledSample> rows, List<DeadLetter> dead) {
        List<String> out = new ArrayList<>();
        rows.forEach(s -> out.add("row " + s));
        dead.forEach(d -> out.add("dead " + d.reason + " " + d.detail));
        return out;
    }

    static void assertCleaned(JoinHarness h) {
        assertThat(h.keyedStateEntries()).as("keyed state entries").isZero();
        assertThat(h.eventTimeTimers()).as("event-time timers").isZero();
    }
}
