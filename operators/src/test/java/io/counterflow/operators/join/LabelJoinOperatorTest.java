package io.counterflow.operators.join;

import static io.counterflow.operators.join.JoinHarness.DAY;
import static io.counterflow.operators.join.JoinHarness.MIN;
import static io.counterflow.operators.join.JoinHarness.T0;
import static io.counterflow.operators.join.JoinHarness.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.operators.wire.LabeledSampleSerializer;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Harness tests of {@link LabelJoinOperator} with {@link LabelingPolicy#emitWhenFinal()} and default windows. */
class LabelJoinOperatorTest {
    private static final long CW = 30 * MIN;
    private static final long AW = 7 * DAY;
    private static final long L = 10 * MIN;
    /** A watermark after which nothing of an impression at T0 (clicked at most at T0 + CW) may remain. */
    static final long AFTER_ALL = T0 + CW + AW + L + 1;

    @Test
    void unclickedImpressionIsEmittedOnceWhenItsClickWindowCloses() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).watermark(T0 + CW - 1);
            assertThat(h.samples()).isEmpty();
            h.watermark(T0 + CW);
            assertThat(h.samples()).containsExactly(sample("a", T0, 0, 0));
            h.watermark(AFTER_ALL);
            assertThat(h.samples()).hasSize(1);
            assertThat(h.deadLetters()).isEmpty();
            assertCleaned(h);
        }
    }

    @Test
    void clickInsideItsWindowIsFinalWhenTheAttributionWindowCloses() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).click("a", T0 + CW).watermark(T0 + CW + AW - 1);
            assertThat(h.samples()).isEmpty();
            h.watermark(T0 + CW + AW);
            assertThat(h.samples()).containsExactly(sample("a", T0, 1, 0, T0 + CW, 0));
            assertThat(h.deadLetters()).isEmpty();
            h.watermark(AFTER_ALL);
            assertCleaned(h);
        }
    }

    @Test
    void clickOutsideItsWindowIsRejectedAndTheImpressionStaysUnclicked() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).click("a", T0 + CW + 1).click("a", T0 - 1).watermark(T0 + CW);
            assertThat(h.reasons()).containsExactly(BadInputReason.CLICK_OUTSIDE_WINDOW,
                    BadInputReason.CLICK_OUTSIDE_WINDOW);
            assertThat(h.deadLetters().get(0).detail).contains("outside [0, " + CW + "]");
            assertThat(h.samples()).containsExactly(sample("a", T0, 0, 0));
            h.watermark(AFTER_ALL);
            assertCleaned(h);
        }
    }

    @Test
    void conversionInsideTheAttributionWindowMakesTheLabelFinalAtOnce() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).click("a", T0 + MIN).conversion("a", T0 + MIN + AW);
            // No watermark at all: a conversion makes (1, 1) final.
            assertThat(h.samples()).containsExactly(sample("a", T0, 1, 1, T0 + MIN, T0 + MIN + AW));
            h.watermark(AFTER_ALL);
            assertThat(h.samples()).hasSize(1);
            assertThat(h.deadLetters()).isEmpty();
            assertCleaned(h);
        }
    }

    @Test
    void conversionOutsideTheAttributionWindowIsRejected() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).click("a", T0 + MIN).conversion("a", T0 + MIN + AW + 1)
                    .conversion("a", T0 + MIN - 1);
            assertThat(h.reasons()).containsExactly(BadInputReason.CONVERSION_OUTSIDE_WINDOW,
                    BadInputReason.CONVERSION_OUTSIDE_WINDOW);
            h.watermark(T0 + MIN + AW);
            assertThat(h.samples()).containsExactly(sample("a", T0, 1, 0, T0 + MIN, 0));
            // after the final sample, an out-of-window conversion is still told apart from an expired one
            h.conversion("a", T0 + MIN + AW + 2);
            assertThat(h.reasons()).last().isEqualTo(BadInputReason.CONVERSION_OUTSIDE_WINDOW);
            h.watermark(AFTER_ALL);
            assertCleaned(h);
        }
    }

    @Test
    void conversionWithoutClickIsRejectedWhenTheClickWindowCloses() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).conversion("a", T0 + 5 * MIN);
            assertThat(h.deadLetters()).isEmpty(); // a click may still come
            h.watermark(T0 + CW);
            assertThat(h.samples()).containsExactly(sample("a", T0, 0, 0));
            assertThat(h.reasons()).containsExactly(BadInputReason.CONVERSION_WITHOUT_CLICK);
            // the impression is final and unclicked: a further conversion is rejected immediately
            h.conversion("a", T0 + CW);
            assertThat(h.reasons()).containsExactly(BadInputReason.CONVERSION_WITHOUT_CLICK,
                    BadInputReason.CONVERSION_WITHOUT_CLICK);
            h.watermark(AFTER_ALL);
            assertCleaned(h);
        }
    }

    @Test
    void conversionThatArrivesBeforeItsClickWaitsForIt() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).conversion("a", T0 + 20 * MIN).click("a", T0 + 10 * MIN);
            assertThat(h.samples()).containsExactly(sample("a", T0, 1, 1, T0 + 10 * MIN, T0 + 20 * MIN));
            assertThat(h.deadLetters()).isEmpty();
            h.watermark(AFTER_ALL);
            assertCleaned(h);
        }
    }

    @Test
    void clickAndConversionBeforeTheirImpressionAreBufferedAndJoined() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.conversion("a", T0 + 2 * MIN).click("a", T0 + MIN).click("b", T0 + MIN).watermark(T0 - 1);
            assertThat(h.samples()).isEmpty();
            assertThat(h.eventTimeTimers()).isEqualTo(3); // one per early bucket
            h.impression("a", T0).impression("b", T0);
            LabeledSample a = sample("a", T0, 1, 1, T0 + MIN, T0 + 2 * MIN);
            assertThat(h.samples()).containsExactly(a);
            h.watermark(T0 + MIN + AW);
            assertThat(h.samples()).containsExactly(a, sample("b", T0, 1, 0, T0 + MIN, 0));
            assertThat(h.deadLetters()).isEmpty();
            h.watermark(AFTER_ALL);
            assertCleaned(h);
        }
    }

    @Test
    void earlyEventsWhoseImpressionNeverComesExpireAsUnknownImpression() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.click("x", T0).conversion("x", T0 + MIN).watermark(T0 + L);
            assertThat(h.deadLetters()).isEmpty(); // the impression may still come
            h.watermark(T0 + L + 1);
            assertThat(h.reasons()).containsExactly(BadInputReason.UNKNOWN_IMPRESSION);
            h.watermark(T0 + MIN + L + 1);
            assertThat(h.reasons()).containsExactly(BadInputReason.UNKNOWN_IMPRESSION,
                    BadInputReason.UNKNOWN_IMPRESSION);
            assertThat(h.rejected()).containsExactly(
                    "UNKNOWN_IMPRESSION {\"impression_id\":\"x\",\"ts\":" + T0 + "}",
                    "UNKNOWN_IMPRESSION {\"impression_id\":\"x\",\"ts\":" + (T0 + MIN) + "}");
            assertThat(h.samples()).isEmpty();
            assertCleaned(h);
        }
    }

    @Test
    void theEarlyEventBufferIsBoundedPerKey() throws Exception {
        LabelJoinSettings two = LabelJoinSettings.builder().maxBufferedEarlyEvents(2).build();
        try (JoinHarness h = JoinHarness.open(two)) {
            h.click("a", T0 + 1).click("a", T0 + 2).click("a", T0 + 3);
            assertThat(h.reasons()).containsExactly(BadInputReason.UNKNOWN_IMPRESSION);
            assertThat(h.deadLetters().get(0).detail).contains("buffer full")
                    .contains(LabelJoinSettings.MAX_BUFFERED_EARLY_EVENTS.key());
            h.impression("a", T0).watermark(AFTER_ALL);
            assertThat(h.samples()).containsExactly(sample("a", T0, 1, 0, T0 + 1, 0));
            assertThat(h.metrics().duplicateClicks.getCount()).isEqualTo(1);
            assertCleaned(h);
        }
    }

    @Test
    void duplicatesAreDroppedAndCounted() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).impression("a", T0 + 1).click("a", T0 + MIN).click("a", T0 + MIN)
                    .click("a", T0 + 2 * MIN).conversion("a", T0 + HOURS(1)).conversion("a", T0 + HOURS(1))
                    .conversion("a", T0 + HOURS(2));
            assertThat(h.samples()).containsExactly(sample("a", T0, 1, 1, T0 + MIN, T0 + HOURS(1)));
            assertThat(h.reasons()).containsExactly(BadInputReason.DUPLICATE_IMPRESSION);
            h.impression("a", T0); // after the sample: still a duplicate, thanks to the tombstone
            h.watermark(AFTER_ALL);
            assertThat(h.samples()).hasSize(1);
            assertThat(h.reasons()).containsExactly(BadInputReason.DUPLICATE_IMPRESSION,
                    BadInputReason.DUPLICATE_IMPRESSION);
            assertThat(h.metrics().duplicateImpressions.getCount()).isEqualTo(2);
            assertThat(h.metrics().duplicateClicks.getCount()).isEqualTo(2);
            assertThat(h.metrics().duplicateConversions.getCount()).isEqualTo(2);
            assertThat(h.metrics().samples[1][1].getCount()).isEqualTo(1);
            assertThat(h.metrics().deadLetters.get(BadInputReason.DUPLICATE_IMPRESSION).getCount()).isEqualTo(2);
            assertCleaned(h);
        }
    }

    @Test
    void eventsBehindTheWatermarkByMoreThanTheLatenessAreLate() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).watermark(T0 + 15 * MIN);
            h.click("a", T0 + 5 * MIN - 1); // 5 min + 1 ms + 10 min behind: late
            h.impression("b", T0 + 5 * MIN - 1);
            h.click("a", T0 + 5 * MIN); // exactly at the lateness bound: accepted
            assertThat(h.reasons()).containsExactly(BadInputReason.LATE_EVENT, BadInputReason.LATE_EVENT);
            assertThat(h.deadLetters().get(0).detail).contains("allowed lateness");
            h.watermark(AFTER_ALL);
            assertThat(h.samples()).containsExactly(sample("a", T0, 1, 0, T0 + 5 * MIN, 0));
            assertCleaned(h);
        }
    }

    @Test
    void eventsForAnImpressionThatIsAlreadyFinalAreExpired() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            h.impression("a", T0).impression("b", T0).click("b", T0 + MIN).watermark(T0 + CW);
            assertThat(h.samples()).containsExactly(sample("a", T0, 0, 0));
            assertThat(h.keyedStateEntries()).isEqualTo(2); // a's tombstone, b's label
            h.click("a", T0 + CW - MIN); // within the lateness, but the label is out
            assertThat(h.reasons()).containsExactly(BadInputReason.EXPIRED_IMPRESSION);
            h.watermark(T0 + MIN + AW);
            h.conversion("b", T0 + MIN + AW - 1);
            assertThat(h.reasons()).containsExactly(BadInputReason.EXPIRED_IMPRESSION,
                    BadInputReason.EXPIRED_IMPRESSION);
            assertThat(h.samples()).containsExactly(sample("a", T0, 0, 0), sample("b", T0, 1, 0, T0 + MIN, 0));
            // the tombstone goes once the lateness has passed: then nothing is left
            h.watermark(T0 + MIN + AW + L);
            assertThat(h.keyedStateEntries()).isEqualTo(1);
            h.watermark(T0 + MIN + AW + L + 1);
            assertCleaned(h);
        }
    }

    @Test
    void noStateAndNoTimersRemainAfterTheFinalWatermarkOfAMixedStream() throws Exception {
        try (JoinHarness h = JoinHarness.open()) {
            feedMixedScript(h, null);
            h.watermark(AFTER_ALL + HOURS(1));
            assertThat(h.samples()).extracting(x -> x.id + "=" + x.click + x.conversion)
                    .containsExactly("early=11", "plain=00", "noclick=00", "outside=00", "clicked=10");
            assertCleaned(h);
        }
    }

    @Test
    void snapshotAndRestoreAtAnyPointGiveTheSameOutputAsAnUninterruptedRun() throws Exception {
        List<String> expected;
        try (JoinHarness h = JoinHarness.open()) {
            feedMixedScript(h, null);
            h.watermark(AFTER_ALL + HOURS(1));
            expected = transcript(h.samples(), h.deadLetters());
        }
        int steps = feedMixedScript(null, null);
        for (int cut = 1; cut < steps; cut++) {
            List<LabeledSample> samples = new ArrayList<>();
            List<DeadLetter> dead = new ArrayList<>();
            JoinHarness first = JoinHarness.open();
            feedMixedScript(first, new int[] {0, cut});
            samples.addAll(first.samples());
            dead.addAll(first.deadLetters());
            OperatorSubtaskState snap = first.snapshot(cut);
            first.close();
            try (JoinHarness second = first.restoreInto(snap)) {
                feedMixedScript(second, new int[] {cut, steps});
                second.watermark(AFTER_ALL + HOURS(1));
                samples.addAll(second.samples());
                dead.addAll(second.deadLetters());
                assertThat(transcript(samples, dead)).as("cut after step %d", cut).isEqualTo(expected);
                assertCleaned(second);
            }
        }
    }

    @Test
    void settingsAreValidatedWithMessagesThatNameTheSetting() {
        assertThatThrownBy(() -> LabelJoinSettings.builder().clickWindow(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counterflow.join.click-window");
        assertThatThrownBy(() -> LabelJoinSettings.builder().attributionWindow(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("counterflow.join.attribution-window");
        assertThatThrownBy(() -> LabelJoinSettings.builder().allowedLateness(Duration.ofMillis(-1)).build())
                .hasMessageContaining("counterflow.join.allowed-lateness");
        assertThatThrownBy(() -> LabelJoinSettings.builder().maxBufferedEarlyEvents(0).build())
                .hasMessageContaining("counterflow.join.max-buffered-early-events");
        LabelJoinSettings d = LabelJoinSettings.defaults();
        assertThat(d.clickWindowMs()).isEqualTo(CW);
        assertThat(d.attributionWindowMs()).isEqualTo(AW);
        assertThat(d.allowedLatenessMs()).isEqualTo(L);
        assertThat(d.maxBufferedEarlyEvents()).isEqualTo(16);
        Configuration c = new Configuration();
        c.set(LabelJoinSettings.CLICK_WINDOW.option(), Duration.ofMinutes(5));
        assertThat(LabelJoinSettings.fromConfig(c).clickWindowMs()).isEqualTo(5 * MIN);
    }

    @Test
    void stateTypesArePojosAndStreamTypesWireSerializersSoKryoIsNeverUsed() {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes();
        assertThat(JoinEvent.TYPE_INFO).isInstanceOf(PojoTypeInfo.class);
        assertThat(LabelState.TYPE_INFO).isInstanceOf(PojoTypeInfo.class);
        assertThat(LabelJoinOperator.SAMPLE_TYPE.createSerializer(config.getSerializerConfig()))
                .isInstanceOf(LabeledSampleSerializer.class);
        // creating the serializers walks every nested type; a generic one would throw here
        JoinEvent.TYPE_INFO.createSerializer(config);
        LabelState.TYPE_INFO.createSerializer(config);
        LabelJoinOperator.DEAD_LETTERS.getTypeInfo().createSerializer(config);
    }

    // ----------------------------------------------------------------------------------------------- fixtures

    private static long HOURS(long n) {
        return n * JoinHarness.HOUR;
    }

    /**
     * A stream exercising every path: six impressions, early events, duplicates, windows, expiry. With {@code h
     * == null} only counts the steps; with {@code range} feeds steps {@code [range[0], range[1])}.
     */
    static int feedMixedScript(JoinHarness h, int[] range) throws Exception {
        List<JoinEvent> script = new ArrayList<>();
        List<Long> watermarks = new ArrayList<>(); // parallel: a watermark after the event, or null
        Step s = new Step(script, watermarks);
        s.e(new Click("early", T0 + 3 * MIN)).e(new Conversion("early", T0 + 4 * MIN));
        s.e(JoinHarness.impressionOf("plain", T0)).e(JoinHarness.impressionOf("clicked", T0));
        s.e(new Click("clicked", T0 + 2 * MIN)).e(new Click("clicked", T0 + 2 * MIN));
        s.e(JoinHarness.impressionOf("early", T0 + MIN)).w(T0 + 5 * MIN);
        s.e(JoinHarness.impressionOf("noclick", T0 + 5 * MIN)).e(new Conversion("noclick", T0 + 6 * MIN));
        s.e(new Click("ghost", T0 + 6 * MIN)).e(JoinHarness.impressionOf("plain", T0 + 6 * MIN));
        s.e(JoinHarness.impressionOf("outside", T0 + 6 * MIN)).e(new Click("outside", T0 + 6 * MIN + CW + 1));
        s.w(T0 + CW + 5 * MIN);
        s.e(new Click("plain", T0 + CW - 4 * MIN)).e(new Click("late", T0)).w(T0 + DAY);
        s.e(new Conversion("clicked", T0 + 2 * MIN + AW + 1)).w(T0 + 2 * MIN + AW);
        s.e(new Conversion("clicked", T0 + 2 * MIN + AW - 1));
        if (h != null) {
            for (int i = range == null ? 0 : range[0]; i < (range == null ? script.size() : range[1]); i++) {
                if (script.get(i) != null) {
                    h.send(script.get(i));
                }
                if (watermarks.get(i) != null) {
                    h.watermark(watermarks.get(i));
                }
            }
        }
        return script.size();
    }

    /** Script builder: each step is an event or a watermark. */
    private static final class Step {
        final List<JoinEvent> events;
        final List<Long> watermarks;

        Step(List<JoinEvent> events, List<Long> watermarks) {
            this.events = events;
            this.watermarks = watermarks;
        }

        Step e(Object payload) {
            events.add(payload instanceof Click ? JoinEvent.of((Click) payload)
                    : payload instanceof Conversion ? JoinEvent.of((Conversion) payload)
                    : JoinEvent.of((io.counterflow.model.data.Impression) payload));
            watermarks.add(null);
            return this;
        }

        Step w(long watermark) {
            events.add(null);
            watermarks.add(watermark);
            return this;
        }
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

    private static void assertCleaned(JoinHarness h) {
        assertThat(h.keyedStateEntries()).as("keyed state entries").isZero();
        assertThat(h.eventTimeTimers()).as("event-time timers").isZero();
    }
}
