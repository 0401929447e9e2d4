package io.counterflow.operators.join;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.operators.wire.LabeledSampleSerializer;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Event-time label join of impressions, clicks and conversions, keyed by impression id (input: {@link JoinEvent}
 * keyed by {@link JoinEvent.ByImpressionId}; output: {@link LabeledSample} rows, each with its {@link Emission}
 * kind, {@code clickTs} and {@code conversionTs}; rejects: {@link #DEAD_LETTERS}).
 * Shaped like Flink's {@code IntervalJoinOperator}: keyed state, a timestamp-bucketed {@code MapState} buffer,
 * event-time timers for every deadline and every cleanup, and a side output for what cannot be joined.
 *
 * <h2>Rules</h2>
 * With click window {@code cw}, attribution window {@code aw} and allowed lateness {@code L}
 * ({@link LabelJoinSettings}) and watermark {@code W}:
 *
 * <ul>
 *   <li>An event with {@code ts + L < W} is a {@code LATE_EVENT} dead letter, whatever its kind.
 *   <li>A click counts if {@code ts_click - ts_imp ∈ [0, cw]}, else {@code CLICK_OUTSIDE_WINDOW}. The first
 *       counted click is the click; later ones are duplicates (counted, dropped).
 *   <li>A conversion counts if the impression was clicked and {@code ts_conv - ts_click ∈ [0, aw]}, else {@code
 *       CONVERSION_OUTSIDE_WINDOW}; the first counted conversion is the conversion, later ones are duplicates.
 *       A conversion of an OPEN, not yet clicked impression waits (buffered) for the click; if the click
 *       window closes unclicked it becomes {@code CONVERSION_WITHOUT_CLICK} (immediately so if the impression
 *       is already final and unclicked).
 *   <li>The {@link LabelingPolicy} decides which rows are emitted and when; with {@link
 *       LabelingPolicy#emitWhenFinal()} ({@code wait}) exactly once: unclicked at {@code W ≥ ts_imp + cw}; clicked
 *       at {@code W ≥ ts_click + aw}; or <b>immediately when a counted conversion arrives</b>, because (1, 1) is
 *       final. The delayed-feedback policies ({@code fnw}, {@code es-dfm}, {@code defer}) emit a clicked
 *       impression's FIRST row early and CORRECTION / FINAL_COPY rows later; every policy emits an unclicked
 *       impression's one FINAL row at {@code W ≥ ts_imp + cw}, and every key is final by its window end.
 *   <li>Clicks and conversions that arrive before their impression are buffered in a {@code MapState} bucketed
 *       by event time (at most {@code maxBufferedEarlyEvents} per key), each bucket with a timer at {@code ts + L
 *       + 1}: if the impression has not arrived by then they become {@code UNKNOWN_IMPRESSION}. (An impression
 *       with {@code ts_imp ≤ ts} arriving after that point would itself be late.) Events beyond the buffer bound
 *       are rejected at once with the reason they would eventually get ({@code UNKNOWN_IMPRESSION} without an
 *       impression, {@code CONVERSION_WITHOUT_CLICK} while waiting for a click) and detail "buffer full".
 *   <li>A second impression with a seen id is {@code DUPLICATE_IMPRESSION} (the first wins).
 *   <li>After the final sample a tombstone (a few longs, no features) stays until {@code W > windowEnd + L}
 *       (windowEnd = {@code ts_imp + cw} unclicked, {@code ts_click + aw} clicked), so that a click/conversion
 *       that still lands inside the windows is told apart: {@code EXPIRED_IMPRESSION}. Any event with {@code ts ≤
 *       windowEnd} arriving after the tombstone's expiry is late by construction; later events for the same id
 *       are treated as events of an unknown impression.
 * </ul>
 *
 * <h2>State and cleanup</h2>
 * Per key: one {@code ValueState<LabelState>} with exactly one lifecycle timer (the policy's deadline while
 * OPEN, the tombstone's expiry after), and the early-event {@code MapState<Long, List<JoinEvent>>} whose buckets
 * each have one timer while no impression is there. Every path that empties a structure also deletes its timer,
 * and every timer clears what it guards, so after the watermark passes the last {@code windowEnd + L} no state
 * and no timers remain (asserted by the tests).
 *
 * <p>A key's state ({@link LabelState}) counts the rows emitted for it, so a policy knows what it already said;
 * the count is updated in the same call that emits the rows, so a checkpoint never separates them (after a
 * restore no row is repeated or lost).
 *
 * <h2>Metrics</h2>
 * Operator metric group: {@code samples.click<c>_conversion<v>} per label combination of every row, {@code
 * emissions.<FINAL|FIRST|CORRECTION|FINAL_COPY>} per row kind, {@code deadLetters.<REASON>} per {@link
 * BadInputReason}, {@code duplicates.{impressions,clicks,conversions}}.
 */
public final class LabelJoinOperator extends AbstractStreamOperator<LabeledSample>
        implements OneInputStreamOperator<JoinEvent, LabeledSample>, Triggerable<String, String> {
    private static final long serialVersionUID = 1L;

    /** Side output of everything the join rejects; {@code DeadLetter.source} is {@value #SOURCE}. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("label-join-dead-letters", TypeInformation.of(DeadLetter.class));

    /** {@code DeadLetter.source} of the join's rejects, and the operator's default uid and name. */
    public static final String SOURCE = "label-join";

    /** Output type information: the wire serializer of labeled samples (no state holds this type). */
    public static final TypeInformation<LabeledSample> SAMPLE_TYPE = LabeledSampleSerializer.TYPE_INFO;

    /** Timer namespace of the per-key lifecycle timer (policy deadline, then tombstone expiry). */
    private static final String LIFECYCLE = "lifecycle";
    /** Timer namespace of the early-event buckets' expiry timers. */
    private static final String EARLY = "early";
    /** Bound on policy calls at one passed deadline (a policy emits one or two rows there; more is a bug). */
    private static final int MAX_CALLS_PER_DEADLINE = 8;

    private final LabelJoinSettings settings;
    private final LabelingPolicy policy;

    private transient ValueState<LabelState> labelState;
    /** Early events (and conversions waiting for a click), bucketed by event time. */
    private transient MapState<Long, List<JoinEvent>> pending;
    private transient InternalTimerService<String> timers;
    private transient Metrics metrics;
    private transient EventText eventText;
    private transient Collector<LabeledSample> sampleOut;
    /** Operator (union) state: each subtask's watermark at the last checkpoint. */
    private transient ListState<Long> checkpointedWatermark;
    /**
     * Lower bound of the watermark from before a restore. After a restore the timer service's watermark starts
     * at {@code Long.MIN_VALUE} until the sources emit one, and an event that was late before the failure
     * would then be buffered as early; with this floor it is late, as in an uninterrupted run.
     */
    private transient long restoredWatermark = Long.MIN_VALUE;

    public LabelJoinOperator(LabelJoinSettings settings, LabelingPolicy policy) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /**
     * Wires the join with the policy the settings name ({@link LabelingPolicy#of(LabelJoinSettings)}).
     *
     * @throws IllegalArgumentException for the {@code oracle} policy (simulations only)
     */
    public static SingleOutputStreamOperator<LabeledSample> join(DataStream<JoinEvent> events,
            LabelJoinSettings settings) {
        return join(events, settings, LabelingPolicy.of(settings));
    }

    /**
     * Wires the join: {@code keyBy(impression id)} → this operator, with uid and name {@value #SOURCE}. Dead
     * letters: {@code result.getSideOutput(LabelJoinOperator.DEAD_LETTERS)}.
     */
    public static SingleOutputStreamOperator<LabeledSample> join(DataStream<JoinEvent> events,
            LabelJoinSettings settings, LabelingPolicy policy) {
        return events.keyBy(new JoinEvent.ByImpressionId(), Types.STRING)
                .transform(SOURCE, SAMPLE_TYPE, new LabelJoinOperator(settings, policy)).uid(SOURCE).name(SOURCE);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        checkpointedWatermark = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("label-join-watermark", Types.LONG));
        restoredWatermark = Long.MIN_VALUE;
        if (context.isRestored()) {
            long min = Long.MAX_VALUE;
            boolean any = false;
            for (Long w : checkpointedWatermark.get()) {
                min = Math.min(min, w); // min over all subtasks: still a lower bound after rescaling
                any = true;
            }
            restoredWatermark = any ? min : Long.MIN_VALUE;
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointedWatermark.update(List.of(currentWatermark()));
    }

    private long currentWatermark() {
        return Math.max(timers.currentWatermark(), restoredWatermark);
    }

    @Override
    public void open() throws Exception {
        super.open();
        labelState = getRuntimeContext().getState(new ValueStateDescriptor<>("label", LabelState.TYPE_INFO));
        pending = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("early-events", Types.LONG, Types.LIST(JoinEvent.TYPE_INFO)));
        timers = getInternalTimerService("label-join-timers", StringSerializer.INSTANCE, this);
        metrics = new Metrics(getMetricGroup());
        eventText = new EventText();
        sampleOut = new Collector<>() {
            @Override
            public void collect(LabeledSample s) {
                metrics.sample(s);
                rowsOfCall++;
                conversionInCall |= s.conversion == 1;
                output.collect(new StreamRecord<>(s, currentOutputTs));
            }

            @Override
            public void close() {}
        };
    }

    /** Timestamp given to samples emitted now: the triggering event's or timer's time. */
    private transient long currentOutputTs;
    /** Rows the policy emitted in the current {@link #callPolicy} (and whether one had conversion 1). */
    private transient int rowsOfCall;
    private transient boolean conversionInCall;

    // ------------------------------------------------------------------------------------------------ input

    @Override
    public void processElement(StreamRecord<JoinEvent> record) throws Exception {
        JoinEvent e = record.getValue();
        long ts = e.ts();
        long watermark = currentWatermark();
        currentOutputTs = ts;
        if (watermark != Long.MIN_VALUE && satAdd(ts, settings.allowedLatenessMs()) < watermark) {
            deadLetter(e, BadInputReason.LATE_EVENT, "ts " + ts + " is behind the watermark " + watermark
                    + " by more than the allowed lateness of " + settings.allowedLatenessMs() + " ms");
            return;
        }
        switch (e.kind) {
            case IMPRESSION:
                onImpression(e);
                break;
            case CLICK:
                onClick(e);
                break;
            case CONVERSION:
                onConversion(e);
                break;
            default:
                throw new IllegalStateException("unknown JoinEvent kind " + e.kind);
        }
    }

    private void onImpression(JoinEvent e) throws Exception {
        LabelState s = labelState.value();
        if (s != null) {
            metrics.duplicateImpressions.inc();
            deadLetter(e, BadInputReason.DUPLICATE_IMPRESSION, s.emitted
                    ? "impression " + e.key() + " was already seen and its sample emitted"
                    : "impression " + e.key() + " was already seen (ts " + s.impressionTs + "); the first wins");
            return;
        }
        s = LabelState.open(e.impression);
        if (callPolicy(s, false)) {
            becomeTombstone(s, false);
        } else {
            s.timerAt = deadline(s);
            timers.registerEventTimeTimer(LIFECYCLE, s.timerAt);
            labelState.update(s);
        }
        // Replay what arrived before the impression, in event-time order, as if it had arrived now. The early
        // buckets no longer need their expiry timers: from now on the lifecycle timer bounds everything.
        for (JoinEvent early : drainPending(true)) {
            if (early.kind == JoinEvent.Kind.CLICK) {
                onClick(early);
            } else {
                onConversion(early);
            }
        }
    }

    private void onClick(JoinEvent e) throws Exception {
        LabelState s = labelState.value();
        long ts = e.click.ts;
        if (s == null) {
            bufferEarly(e, BadInputReason.UNKNOWN_IMPRESSION);
            return;
        }
        long delta = ts - s.impressionTs;
        if (delta < 0 || delta > settings.clickWindowMs()) {
            deadLetter(e, BadInputReason.CLICK_OUTSIDE_WINDOW, "ts_click - ts_impression = " + delta
                    + " ms is outside [0, " + settings.clickWindowMs() + "]");
        } else if (s.clicked) {
            metrics.duplicateClicks.inc();
        } else if (s.emitted) {
            deadLetter(e, BadInputReason.EXPIRED_IMPRESSION,
                    "the sample of impression " + e.key() + " was already emitted unclicked");
        } else {
            s.clicked = true;
            s.clickTs = ts;
            // Conversions that waited for this click are judged against it now, in event-time order.
            List<JoinEvent> waiting = drainPending(false);
            for (JoinEvent c : waiting) {
                judgeConversion(s, c);
            }
            update(s);
        }
    }

    private void onConversion(JoinEvent e) throws Exception {
        LabelState s = labelState.value();
        if (s == null) {
            bufferEarly(e, BadInputReason.UNKNOWN_IMPRESSION);
            return;
        }
        if (!s.clicked) {
            if (s.emitted) {
                deadLetter(e, BadInputReason.CONVERSION_WITHOUT_CLICK,
                        "impression " + e.key() + " was final without a click");
            } else {
                bufferEarly(e, BadInputReason.CONVERSION_WITHOUT_CLICK);
            }
            return;
        }
        if (s.emitted) {
            if (s.converted) {
                metrics.duplicateConversions.inc();
            } else if (conversionInWindow(s, e)) {
                deadLetter(e, BadInputReason.EXPIRED_IMPRESSION,
                        "the sample of impression " + e.key() + " was already emitted without conversion");
            } else {
                conversionOutsideWindow(s, e);
            }
            return;
        }
        if (judgeConversion(s, e)) {
            update(s);
        }
    }

    /** Applies a conversion to a clicked OPEN state; returns whether the state changed. */
    private boolean judgeConversion(LabelState s, JoinEvent e) {
        if (s.converted) {
            metrics.duplicateConversions.inc();
            return false;
        }
        if (!conversionInWindow(s, e)) {
            conversionOutsideWindow(s, e);
            return false;
        }
        s.converted = true;
        s.conversionTs = e.conversion.ts;
        return true;
    }

    private boolean conversionInWindow(LabelState s, JoinEvent e) {
        long delta = e.conversion.ts - s.clickTs;
        return delta >= 0 && delta <= settings.attributionWindowMs();
    }

    private void conversionOutsideWindow(LabelState s, JoinEvent e) {
        deadLetter(e, BadInputReason.CONVERSION_OUTSIDE_WINDOW, "ts_conversion - ts_click = "
                + (e.conversion.ts - s.clickTs) + " ms is outside [0, " + settings.attributionWindowMs() + "]");
    }

    /** After an accepted change of an OPEN state: ask the policy, then move the lifecycle timer or finalise. */
    private void update(LabelState s) throws Exception {
        if (callPolicy(s, false)) {
            becomeTombstone(s, true);
        } else {
            moveTimer(s, deadline(s));
            labelState.update(s);
        }
    }

    /**
     * One policy call; afterwards records in {@code s} what it emitted (the policy reads the counts from before
     * the call). The caller writes {@code s} back to state in the same call, so rows and counts are never split
     * by a checkpoint.
     */
    private boolean callPolicy(LabelState s, boolean deadlinePassed) {
        rowsOfCall = 0;
        conversionInCall = false;
        boolean isFinal = policy.onUpdate(s, deadlinePassed, sampleOut);
        s.emissions += rowsOfCall;
        s.conversionEmitted |= conversionInCall;
        return isFinal;
    }

    /**
     * The policy's deadline for an OPEN state, checked to be at or before the window end: the tombstone's expiry
     * (window end + L) bounds how long the key lives, so a later deadline would keep state past it.
     */
    private long deadline(LabelState s) {
        long d = policy.deadline(s, settings);
        long end = windowEnd(s, settings);
        if (d > end) {
            throw new IllegalStateException(policy + " set a deadline " + d + " after the window end " + end
                    + " of " + s);
        }
        return d;
    }

    // ------------------------------------------------------------------------------------------------ timers

    @Override
    public void onEventTime(InternalTimer<String, String> timer) throws Exception {
        currentOutputTs = timer.getTimestamp();
        if (EARLY.equals(timer.getNamespace())) {
            expireEarly(timer.getTimestamp());
            return;
        }
        LabelState s = labelState.value();
        if (s == null || s.timerAt != timer.getTimestamp()) {
            return; // cannot happen (timers are deleted when moved); harmless if it does
        }
        if (!s.emitted) {
            // The policy either finalises or emits and names a later (or the same) deadline; the same one means
            // "call me again now" (e.g. defer with c = aw: FIRST, then FINAL_COPY, both at ts_click + aw).
            long passed = timer.getTimestamp();
            for (int calls = 1; ; calls++) {
                int before = s.emissions;
                if (callPolicy(s, true)) {
                    becomeTombstone(s, true);
                    return;
                }
                long next = deadline(s);
                if (s.emissions == before || next < passed || calls >= MAX_CALLS_PER_DEADLINE) {
                    throw new IllegalStateException(policy + " neither finalised " + s + " at its deadline "
                            + passed + " nor emitted and moved it on (next deadline " + next + ")");
                }
                if (next > passed) {
                    moveTimer(s, next);
                    labelState.update(s);
                    return;
                }
            }
        } else {
            // Tombstone expired: W > windowEnd + L, so every event that could still refer to it is late.
            labelState.clear();
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, String> timer) {
        // the join is event-time only
    }

    /**
     * Final: reject conversions still waiting for a click (the click window is closed or the policy said so),
     * drop the impression's features, and keep a tombstone until {@code windowEnd + L}.
     */
    private void becomeTombstone(LabelState s, boolean timerRegistered) throws Exception {
        for (JoinEvent c : drainPending(false)) {
            deadLetter(c, BadInputReason.CONVERSION_WITHOUT_CLICK,
                    "impression " + c.key() + " was not clicked within its click window");
        }
        s.emitted = true;
        s.impression = null;
        long expiry = satAdd(windowEnd(s, settings), satAdd(settings.allowedLatenessMs(), 1));
        if (timerRegistered) {
            moveTimer(s, expiry);
        } else {
            s.timerAt = expiry;
            timers.registerEventTimeTimer(LIFECYCLE, expiry);
        }
        labelState.update(s);
    }

    private void moveTimer(LabelState s, long at) {
        if (s.timerAt != at) {
            timers.deleteEventTimeTimer(LIFECYCLE, s.timerAt);
            s.timerAt = at;
            timers.registerEventTimeTimer(LIFECYCLE, at);
        }
    }

    /** End of the windows of a state: {@code ts_imp + cw} unclicked, {@code ts_click + aw} clicked. */
    static long windowEnd(LabelState s, LabelJoinSettings settings) {
        return s.clicked ? satAdd(s.clickTs, settings.attributionWindowMs())
                : satAdd(s.impressionTs, settings.clickWindowMs());
    }

    // ------------------------------------------------------------------------------------------------ buffer

    private void bufferEarly(JoinEvent e, BadInputReason onOverflow) throws Exception {
        int buffered = 0;
        for (List<JoinEvent> bucket : pending.values()) {
            buffered += bucket.size();
        }
        if (buffered >= settings.maxBufferedEarlyEvents()) {
            deadLetter(e, onOverflow, "buffer full: " + buffered + " events already wait for impression "
                    + e.key() + " (" + LabelJoinSettings.MAX_BUFFERED_EARLY_EVENTS.key() + ")");
            return;
        }
        long ts = e.ts();
        List<JoinEvent> bucket = pending.get(ts);
        if (bucket == null) {
            bucket = new ArrayList<>(1);
            // Conversions waiting for a click of a known impression need no timer of their own: the lifecycle
            // timer resolves them. Events without an impression expire on their own.
            if (labelState.value() == null) {
                timers.registerEventTimeTimer(EARLY, earlyExpiry(ts));
            }
        } else {
            bucket = new ArrayList<>(bucket); // never mutate a list the backend may still hold
        }
        bucket.add(e);
        pending.put(ts, bucket);
    }

    private long earlyExpiry(long ts) {
        return satAdd(ts, satAdd(settings.allowedLatenessMs(), 1));
    }

    /** Removes and returns every buffered event in event-time (then arrival) order; optionally deletes timers. */
    private List<JoinEvent> drainPending(boolean deleteEarlyTimers) throws Exception {
        List<Long> keys = new ArrayList<>();
        for (Long k : pending.keys()) {
            keys.add(k);
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        keys.sort(null);
        List<JoinEvent> all = new ArrayList<>();
        for (Long k : keys) {
            all.addAll(pending.get(k));
            if (deleteEarlyTimers) {
                timers.deleteEventTimeTimer(EARLY, earlyExpiry(k));
            }
        }
        pending.clear();
        return all;
    }

    private void expireEarly(long now) throws Exception {
        if (labelState.value() != null) {
            return; // the impression arrived; its buckets' timers were deleted then
        }
        List<Long> expired = new ArrayList<>();
        for (Long k : pending.keys()) {
            if (earlyExpiry(k) <= now) {
                expired.add(k);
            }
        }
        expired.sort(null);
        for (Long k : expired) {
            for (JoinEvent e : pending.get(k)) {
                deadLetter(e, BadInputReason.UNKNOWN_IMPRESSION, "no impression " + e.key()
                        + " arrived within the allowed lateness of " + settings.allowedLatenessMs() + " ms");
            }
            pending.remove(k);
        }
        if (pending.isEmpty()) {
            pending.clear();
        }
    }

    // ------------------------------------------------------------------------------------------------ output

    private void deadLetter(JoinEvent e, BadInputReason reason, String detail) {
        metrics.deadLetter(reason);
        output.collect(DEAD_LETTERS, new StreamRecord<>(
                new DeadLetter(SOURCE, -1, -1, reason, detail, eventText.encode(e)), e.ts()));
    }

    /** {@code a + b}, saturating at {@code Long.MIN_VALUE}/{@code Long.MAX_VALUE}. */
    static long satAdd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    /** Test hook: the counters, read after processing. */
    Metrics metrics() {
        return metrics;
    }

    /** The operator's counters. */
    static final class Metrics {
        final Counter[][] samples = new Counter[2][2];
        final Map<Emission, Counter> emissions = new EnumMap<>(Emission.class);
        final Map<BadInputReason, Counter> deadLetters = new EnumMap<>(BadInputReason.class);
        final Counter duplicateImpressions;
        final Counter duplicateClicks;
        final Counter duplicateConversions;

        Metrics(MetricGroup group) {
            MetricGroup s = group.addGroup("samples");
            samples[0][0] = s.counter("click0_conversion0");
            samples[1][0] = s.counter("click1_conversion0");
            samples[1][1] = s.counter("click1_conversion1");
            samples[0][1] = s.counter("click0_conversion1"); // must stay 0 (contract invariant)
            MetricGroup e = group.addGroup("emissions");
            for (Emission kind : Emission.values()) {
                emissions.put(kind, e.counter(kind.name()));
            }
            MetricGroup d = group.addGroup("deadLetters");
            for (BadInputReason r : BadInputReason.values()) {
                deadLetters.put(r, d.counter(r.name()));
            }
            MetricGroup dup = group.addGroup("duplicates");
            duplicateImpressions = dup.counter("impressions");
            duplicateClicks = dup.counter("clicks");
            duplicateConversions = dup.counter("conversions");
        }

        void sample(LabeledSample s) {
            samples[s.click == 1 ? 1 : 0][s.conversion == 1 ? 1 : 0].inc();
            emissions.get(s.emission).inc();
        }

        void deadLetter(BadInputReason r) {
            deadLetters.get(r).inc();
        }
    }
}
