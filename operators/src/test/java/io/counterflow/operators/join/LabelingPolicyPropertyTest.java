package io.counterflow.operators.join;

import static io.counterflow.operators.join.JoinHarness.HOUR;
import static io.counterflow.operators.join.JoinHarness.MIN;
import static io.counterflow.operators.join.JoinHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Properties of every policy over random event streams (out of order, late, duplicated, outside the windows,
 * conversions before clicks, events before impressions), each run uninterrupted and with a snapshot → restore at
 * a random cut, against {@code wait} on the same stream:
 *
 * <ul>
 *   <li>each impression with rows has exactly one FINAL-or-FIRST row (its one CTR term), and it is the first row;
 *   <li>the last row's labels (and click/conversion times) are wait's;
 *   <li>unclicked impressions get exactly one FINAL (0, 0); defer gives exactly two rows per clicked impression;
 *       fnw's FIRST is always (1, 0) and it has a CORRECTION exactly for the converted; es-dfm has at most two;
 *   <li>es-dfm's and defer's FIRST row reports the conversion exactly when {@code ts_conv <= ts_click + c};
 *   <li>dead letters have the same reasons as wait's, in the same order;
 *   <li>the restored run gives exactly the rows of the uninterrupted one, and no state or timer remains.
 * </ul>
 */
class LabelingPolicyPropertyTest {
    private static final long CW = 30 * MIN;
    private static final long AW = 2 * HOUR;
    private static final long L = 10 * MIN;
    private static final long[] ELAPSED = {0, 5 * MIN, 15 * MIN, 45 * MIN, AW};
    private static final Labeling[] POLICIES = {Labeling.FNW, Labeling.ES_DFM, Labeling.DEFER};

    @Test
    void everyPolicyGivesOneCtrRowPerImpressionAndEndsWithWaitsLabels() throws Exception {
        Random seeds = new Random(20_260_101L);
        int streams = 0;
        int clickedImpressions = 0;
        for (int round = 0; round < 150; round++) {
            long seed = seeds.nextLong();
            Random r = new Random(seed);
            long c = ELAPSED[r.nextInt(ELAPSED.length)];
            List<Step> stream = randomStream(r);
            int cut = 1 + r.nextInt(stream.size());
            LabelJoinSettings settings = LabelJoinSettings.builder().clickWindow(Duration.ofMillis(CW))
                    .attributionWindow(Duration.ofMillis(AW)).allowedLateness(Duration.ofMillis(L)).build();
            Run wait = run(settings, LabelingPolicy.emitWhenFinal(), stream, -1);
            Map<String, List<LabeledSample>> truth = byId(wait.rows);
            for (List<LabeledSample> rows : truth.values()) {
                assertThat(rows).hasSize(1);
                assertThat(rows.get(0).emission).isEqualTo(Emission.FINAL);
                clickedImpressions += rows.get(0).click;
            }
            for (Labeling l : POLICIES) {
                String what = l.cliName() + " c=" + c + " seed=" + seed;
                LabelingPolicy policy = LabelingPolicy.of(l, c);
                Run run = run(settings, policy, stream, -1);
                Run restored = run(settings, policy, stream, cut);
                assertThat(restored.transcript()).as(what + ", restored at step " + cut)
                        .isEqualTo(run.transcript());
                assertThat(run.reasons()).as(what + ": dead letters").isEqualTo(wait.reasons());
                Map<String, List<LabeledSample>> rowsById = byId(run.rows);
                assertThat(rowsById.keySet()).as(what).isEqualTo(truth.keySet());
                for (Map.Entry<String, List<LabeledSample>> e : rowsById.entrySet()) {
                    checkImpression(what + " id=" + e.getKey(), l, c, e.getValue(), truth.get(e.getKey()).get(0));
                }
            }
            streams++;
        }
        assertThat(streams).isEqualTo(150);
        assertThat(clickedImpressions).as("the streams exercise clicked impressions").isGreaterThan(300);
    }

    private static void checkImpression(String what, Labeling l, long c, List<LabeledSample> rows,
            LabeledSample wait) {
        long ctrRows = rows.stream().filter(s -> s.emission == Emission.FINAL || s.emission == Emission.FIRST)
                .count();
        assertThat(ctrRows).as(what + ": FINAL-or-FIRST rows in " + rows).isEqualTo(1);
        LabeledSample first = rows.get(0);
        LabeledSample last = rows.get(rows.size() - 1);
        assertThat(first.emission).as(what).isIn(Emission.FINAL, Emission.FIRST);
        assertThat(new int[] {last.click, last.conversion}).as(what + ": last row vs wait " + wait)
                .containsExactly(wait.click, wait.conversion);
        assertThat(last.clickTs).as(what).isEqualTo(wait.clickTs);
        assertThat(last.conversionTs).as(what).isEqualTo(wait.conversionTs);
        for (LabeledSample s : rows) {
            assertThat(s.clickTs).as(what).isEqualTo(wait.clickTs);
            assertThat(s.conversionTs).as(what).isEqualTo(s.conversion == 1 ? wait.conversionTs : 0);
            assertThat(s.conversion).as(what).isLessThanOrEqualTo(s.click);
        }
        if (wait.click == 0) {
            assertThat(rows).as(what).hasSize(1);
            assertThat(first.emission).as(what).isEqualTo(Emission.FINAL);
            return;
        }
        assertThat(first.emission).as(what).isEqualTo(Emission.FIRST);
        boolean observed = wait.conversion == 1 && wait.conversionTs <= wait.clickTs + c;
        switch (l) {
            case FNW:
                assertThat(first.conversion).as(what).isZero();
                assertThat(rows).as(what).hasSize(wait.conversion == 1 ? 2 : 1);
                break;
            case ES_DFM:
                assertThat(first.conversion == 1).as(what + ": observed by c").isEqualTo(observed);
                assertThat(rows).as(what).hasSize(wait.conversion == 1 && !observed ? 2 : 1);
                break;
            case DEFER:
                assertThat(first.conversion == 1).as(what + ": observed by c").isEqualTo(observed);
                assertThat(rows).as(what).hasSize(2);
                assertThat(rows.get(1).emission).as(what)
                        .isEqualTo(wait.conversion == 1 && !observed ? Emission.CORRECTION : Emission.FINAL_COPY);
                break;
            default:
                throw new AssertionError(l);
        }
        if (rows.size() == 2 && rows.get(1).emission == Emission.CORRECTION) {
            assertThat(rows.get(1).conversion).as(what).isEqualTo(1);
        }
    }

    // ----------------------------------------------------------------------------------------------- fixtures

    /** One step: an event, or a watermark. */
    private static final class Step {
        final JoinEvent event;
        final long watermark;

        Step(JoinEvent event, long watermark) {
            this.event = event;
            this.watermark = watermark;
        }
    }

    /**
     * 1–12 impressions over two hours; clicks (some outside the click window, some duplicated), conversions
     * (within c, after c, outside the attribution window, without click, duplicated); arrival out of event-time
     * order (jitter up to 1.5 L, so some events are late), some events before their impression, some ids
     * without impression; a bounded-disorder watermark after about half the events, and a final one past all.
     */
    private static List<Step> randomStream(Random r) {
        List<long[]> timed = new ArrayList<>(); // {arrival, index into events}
        List<JoinEvent> events = new ArrayList<>();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) {
            String id = "i" + i;
            long imp = T0 + (long) (r.nextDouble() * 2 * HOUR);
            if (r.nextInt(12) != 0) {
                add(events, timed, r, JoinEvent.of(JoinHarness.impressionOf(id, imp)));
            }
            if (r.nextInt(15) == 0) {
                add(events, timed, r, JoinEvent.of(JoinHarness.impressionOf(id, imp + r.nextInt(1000))));
            }
            if (r.nextDouble() < 0.65) {
                long click = imp + (long) (r.nextDouble() * CW * 1.1);
                add(events, timed, r, JoinEvent.of(new Click(id, click)));
                if (r.nextInt(8) == 0) {
                    add(events, timed, r, JoinEvent.of(new Click(id, click + r.nextInt((int) MIN))));
                }
                if (r.nextDouble() < 0.6) {
                    double u = r.nextDouble();
                    long delay = u < 0.4 ? (long) (r.nextDouble() * 20 * MIN) // around c
                            : (long) (r.nextDouble() * AW * 1.15); // some outside aw
                    long conv = r.nextInt(20) == 0 ? click - 1 - r.nextInt(1000) : click + delay;
                    add(events, timed, r, JoinEvent.of(new Conversion(id, conv)));
                    if (r.nextInt(8) == 0) {
                        add(events, timed, r, JoinEvent.of(new Conversion(id, conv + r.nextInt((int) MIN))));
                    }
                }
            } else if (r.nextInt(6) == 0) {
                add(events, timed, r, JoinEvent.of(new Conversion(id, imp + r.nextInt((int) HOUR))));
            }
        }
        timed.sort(Comparator.comparingLong((long[] a) -> a[0]).thenComparingLong(a -> a[1]));
        List<Step> steps = new ArrayList<>();
        long maxTs = Long.MIN_VALUE;
        long w = Long.MIN_VALUE;
        for (long[] t : timed) {
            JoinEvent e = events.get((int) t[1]);
            steps.add(new Step(e, 0));
            maxTs = Math.max(maxTs, e.ts());
            if (r.nextBoolean() && maxTs - L > w) {
                w = maxTs - L;
                steps.add(new Step(null, w));
            }
        }
        steps.add(new Step(null, T0 + 10 * HOUR + 3 * AW));
        return steps;
    }

    private static void add(List<JoinEvent> events, List<long[]> timed, Random r, JoinEvent e) {
        long arrival = e.ts() + (long) (r.nextDouble() * 1.5 * L);
        timed.add(new long[] {arrival, events.size()});
        events.add(e);
    }

    /** The outputs of one run; with {@code cut >= 0} snapshot after that many steps and continue restored. */
    private static Run run(LabelJoinSettings settings, LabelingPolicy policy, List<Step> stream, int cut)
            throws Exception {
        Run out = new Run();
        JoinHarness h = JoinHarness.open(settings, policy);
        try {
            for (int i = 0; i < stream.size(); i++) {
                if (i == cut) {
                    out.collect(h);
                    OperatorSubtaskState snap = h.snapshot(i);
                    h.close();
                    h = h.restoreInto(snap);
                }
                Step s = stream.get(i);
                if (s.event != null) {
                    h.send(s.event);
                } else {
                    h.watermark(s.watermark);
                }
            }
            out.collect(h);
            assertThat(h.keyedStateEntries()).as("keyed state entries").isZero();
            assertThat(h.eventTimeTimers()).as("event-time timers").isZero();
        } finally {
            h.close();
        }
        return out;
    }

    private static Map<String, List<LabeledSample>> byId(List<LabeledSample> rows) {
        Map<String, List<LabeledSample>> out = new LinkedHashMap<>();
        for (LabeledSample s : rows) {
            out.computeIfAbsent(s.id, k -> new ArrayList<>()).add(s);
        }
        return out;
    }

    private static final class Run {
        final List<LabeledSample> rows = new ArrayList<>();
        final List<DeadLetter> dead = new ArrayList<>();

        void collect(JoinHarness h) {
            rows.addAll(h.samples());
            dead.addAll(h.deadLetters());
        }

        List<BadInputReason> reasons() {
            List<BadInputReason> out = new ArrayList<>();
            dead.forEach(d -> out.add(d.reason));
            return out;
        }

        List<String> transcript() {
            List<String> out = new ArrayList<>();
            rows.forEach(s -> out.add("row " + s));
            dead.forEach(d -> out.add("dead " + d.reason + " " + d.detail));
            return out;
        }
    }
}
