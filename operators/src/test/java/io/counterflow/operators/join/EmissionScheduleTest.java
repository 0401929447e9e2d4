package io.counterflow.operators.join;

import static io.counterflow.operators.join.JoinHarness.HOUR;
import static io.counterflow.operators.join.JoinHarness.MIN;
import static io.counterflow.operators.join.JoinHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one-pass {@link EmissionSchedule} (used by simulations) and the stateful {@link LabelJoinOperator} emit the
 * same rows for the same clean events: same impression, kind, labels and times, and each row no earlier than its
 * scheduled time and no later than the first watermark at or after it.
 */
class EmissionScheduleTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Labeling.class, names = {"WAIT", "FNW", "ES_DFM", "DEFER"})
    void scheduleMatchesTheOperator(Labeling policy) throws Exception {
        long cw = 30 * MIN;
        long aw = 6 * HOUR;
        long c = 15 * MIN;
        LabelJoinSettings settings = LabelJoinSettings.builder().clickWindow(Duration.ofMillis(cw))
                .attributionWindow(Duration.ofMillis(aw)).allowedLateness(Duration.ZERO).labeling(policy.cliName())
                .labelingElapsed(Duration.ofMillis(c)).build();
        SplittableRandom r = new SplittableRandom(policy.ordinal() + 1);
        int n = 300;
        long[] ts = new long[n];
        long[] click = new long[n];
        long[] conv = new long[n];
        // Events by time: impression, click and conversion of every impression (clean: inside their windows).
        TreeMap<Long, List<Runnable>> events = new TreeMap<>();
        List<Exception> failures = new ArrayList<>();
        try (JoinHarness h = JoinHarness.open(settings, LabelingPolicy.of(settings))) {
            for (int i = 0; i < n; i++) {
                String id = "imp-" + i;
                ts[i] = T0 + i * 37_000L;
                click[i] = r.nextDouble() < 0.4 ? ts[i] + (long) (r.nextDouble() * cw) : Long.MIN_VALUE;
                conv[i] = click[i] != Long.MIN_VALUE && r.nextDouble() < 0.5
                        ? click[i] + (long) (Math.exp(r.nextDouble() * Math.log(aw)) - 1) : Long.MIN_VALUE;
                long t = ts[i];
                long ct = click[i];
                long vt = conv[i];
                events.computeIfAbsent(t, k -> new ArrayList<>()).add(() -> run(failures, () -> h.impression(id, t)));
                if (ct != Long.MIN_VALUE) {
                    events.computeIfAbsent(ct, k -> new ArrayList<>()).add(() -> run(failures, () -> h.click(id, ct)));
                }
                if (vt != Long.MIN_VALUE) {
                    events.computeIfAbsent(vt, k -> new ArrayList<>())
                            .add(() -> run(failures, () -> h.conversion(id, vt)));
                }
            }
            // Feed in time order with a watermark at every event time; record each row's emission watermark.
            List<Long> emittedAt = new ArrayList<>();
            for (var e : events.entrySet()) {
                for (Runnable a : e.getValue()) {
                    a.run();
                }
                h.watermark(e.getKey());
                while (emittedAt.size() < h.samples().size()) {
                    emittedAt.add(e.getKey());
                }
            }
            long end = events.lastKey() + aw + cw + 1;
            h.watermark(end);
            while (emittedAt.size() < h.samples().size()) {
                emittedAt.add(end);
            }
            assertThat(failures).isEmpty();
            List<LabeledSample> rows = h.samples();
            EmissionSchedule s = EmissionSchedule.of(ts, click, conv, cw, aw, policy, c);
            assertThat(rows).hasSize(s.size);
            // Match each scheduled row to an operator row of the same impression and kind.
            List<Integer> unmatched = new ArrayList<>();
            for (int k = 0; k < rows.size(); k++) {
                unmatched.add(k);
            }
            for (int j = 0; j < s.size; j++) {
                int i = s.impression[j];
                String id = "imp-" + i;
                Integer found = null;
                for (Integer k : unmatched) {
                    LabeledSample row = rows.get(k);
                    if (row.id.equals(id) && row.emission == s.kind[j]) {
                        found = k;
                        break;
                    }
                }
                assertThat(found).as("row %d of the schedule (%s %s) in the operator's output", j, id, s.kind[j])
                        .isNotNull();
                unmatched.remove(found);
                LabeledSample row = rows.get(found);
                assertThat(row.conversion).as("%s %s conversion", id, s.kind[j]).isEqualTo(s.conversion[j]);
                assertThat(row.click).isEqualTo(click[i] == Long.MIN_VALUE ? 0 : 1);
                long at = emittedAt.get(found);
                Long firstWatermark = events.ceilingKey(s.time[j]);
                assertThat(at).as("%s %s emitted at the first watermark ≥ its scheduled time", id, s.kind[j])
                        .isGreaterThanOrEqualTo(s.time[j]).isEqualTo(firstWatermark == null ? end : firstWatermark);
            }
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void run(List<Exception> failures, Step s) {
        try {
            s.run();
        } catch (Exception e) {
            failures.add(e);
        }
    }
}
