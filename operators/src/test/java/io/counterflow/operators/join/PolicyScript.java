package io.counterflow.operators.join;

import static io.counterflow.operators.join.JoinHarness.T0;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.LabeledSample;

import java.util.ArrayList;
import java.util.List;

/**
 * A stream as a list of steps (an event, or a watermark), fed to a {@link JoinHarness} in any range, with a
 * transcript of what each step emitted: {@code "<step>: <row>; <row>"} for steps with output, times relative to
 * {@link JoinHarness#T0}. {@link #perEventWatermark} adds, after each event, the watermark a bounded-disorder
 * generator would emit ({@code max ts - bound}), so event-time rules run as they would in a job.
 */
final class PolicyScript {
    private final List<JoinEvent> events = new ArrayList<>();
    private final List<Long> watermarks = new ArrayList<>();
    private final long bound;
    private long maxTs = Long.MIN_VALUE;
    private long lastWatermark = Long.MIN_VALUE;

    private PolicyScript(long bound) {
        this.bound = bound;
    }

    /** After every event, the watermark {@code max ts - bound} (when it advances). */
    static PolicyScript perEventWatermark(long bound) {
        return new PolicyScript(bound);
    }

    PolicyScript impression(String id, long ts) {
        return event(JoinEvent.of(JoinHarness.impressionOf(id, ts)));
    }

    PolicyScript click(String id, long ts) {
        return event(JoinEvent.of(new Click(id, ts)));
    }

    PolicyScript conversion(String id, long ts) {
        return event(JoinEvent.of(new Conversion(id, ts)));
    }

    PolicyScript event(JoinEvent e) {
        events.add(e);
        watermarks.add(null);
        maxTs = Math.max(maxTs, e.ts());
        return watermark(maxTs - bound);
    }

    /** An explicit watermark (e.g. idle sources); ignored unless it advances. */
    PolicyScript watermark(long w) {
        if (w > lastWatermark) {
            lastWatermark = w;
            events.add(null);
            watermarks.add(w);
        }
        return this;
    }

    int steps() {
        return events.size();
    }

    /** Feeds steps {@code [from, to)} and appends what each step emitted to {@code transcript}. */
    void feed(JoinHarness h, int from, int to, List<String> transcript) throws Exception {
        for (int i = from; i < to; i++) {
            int rows = h.samples().size();
            int dead = h.deadLetters().size();
            String step;
            if (events.get(i) != null) {
                h.send(events.get(i));
                step = describe(events.get(i));
            } else {
                h.watermark(watermarks.get(i));
                step = "W " + rel(watermarks.get(i));
            }
            List<String> out = new ArrayList<>();
            List<LabeledSample> s = h.samples();
            for (int r = rows; r < s.size(); r++) {
                out.add(row(s.get(r)));
            }
            List<DeadLetter> d = h.deadLetters();
            for (int r = dead; r < d.size(); r++) {
                out.add("dead " + d.get(r).reason);
            }
            if (!out.isEmpty()) {
                transcript.add(step + ": " + String.join("; ", out));
            }
        }
    }

    List<String> run(JoinHarness h) throws Exception {
        List<String> t = new ArrayList<>();
        feed(h, 0, steps(), t);
        return t;
    }

    static String describe(JoinEvent e) {
        switch (e.kind) {
            case IMPRESSION:
                return "imp " + e.key() + " " + rel(e.ts());
            case CLICK:
                return "click " + e.key() + " " + rel(e.ts());
            default:
                return "conv " + e.key() + " " + rel(e.ts());
        }
    }

    /** {@code "FIRST b (1,0) click +2m conv 0"}. */
    static String row(LabeledSample s) {
        return s.emission + " " + s.id + " (" + s.click + "," + s.conversion + ") click "
                + (s.clickTs == 0 ? "0" : rel(s.clickTs)) + " conv "
                + (s.conversionTs == 0 ? "0" : rel(s.conversionTs));
    }

    /** Event time relative to T0: {@code +7d4m}, {@code +1s}, {@code -6m}, {@code +0}. */
    static String rel(long ts) {
        long d = ts - T0;
        StringBuilder b = new StringBuilder(d < 0 ? "-" : "+");
        d = Math.abs(d);
        long[] units = {JoinHarness.DAY, JoinHarness.HOUR, JoinHarness.MIN, JoinHarness.SEC, 1};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (d >= units[i]) {
                b.append(d / units[i]).append(names[i]);
                d %= units[i];
            }
        }
        return b.length() == 1 ? b.append('0').toString() : b.toString();
    }
}
