package io.counterflow.operators.join;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;

import org.apache.flink.util.Collector;

import java.io.Serializable;

/**
 * When an impression's rows are emitted and what they say. Kept apart from {@link LabelJoinOperator} (which owns
 * windows, buffering, dead letters and state cleanup) so that a policy can emit early and correct delayed
 * feedback without touching the join. One class per policy ({@link Labeling}); build them with {@link
 * #of(LabelJoinSettings)}.
 *
 * <p>Lifecycle, per impression id, as driven by the operator:
 *
 * <ol>
 *   <li>the impression arrives: {@link #onUpdate} with {@code deadlinePassed = false}; unless it returns {@code
 *       true}, the operator then registers the key's one lifecycle timer at {@link #deadline};
 *   <li>after each accepted change (the first valid click; the first valid conversion): {@link #onUpdate} again
 *       with {@code deadlinePassed = false}; it may emit rows; unless it returns {@code true}, the timer moves to
 *       the new {@link #deadline};
 *   <li>when the watermark reaches the deadline: {@link #onUpdate} with {@code deadlinePassed = true}, which
 *       either returns {@code true} or <b>emits at least one row</b> and returns {@code false}; then the timer
 *       moves to the new {@link #deadline}, which must not be earlier than the one that passed (if it is the same,
 *       {@link #onUpdate} is called again at once with {@code deadlinePassed = true}).
 * </ol>
 *
 * Every deadline must be at or before the key's window end ({@code ts_imp + clickWindow} unclicked, {@code
 * ts_click + attributionWindow} clicked), so every key is final by then and its tombstone (kept until the window
 * end plus the allowed lateness) is the last thing left of it; the operator checks this. Once {@link #onUpdate}
 * returns {@code true} the key is final: the operator drops the impression, keeps a tombstone, and never calls the
 * policy for this key again.
 *
 * <p>The {@link LabelState} passed in is read-only. What the policy emitted so far is in it: {@link
 * LabelState#emissions} and {@link LabelState#conversionEmitted}, which the operator updates after each call from
 * the rows that went through {@code out} (within one call they still describe the rows before it).
 */
public interface LabelingPolicy extends Serializable {

    /** The policy's name, shared with the trainer's weighting. */
    Labeling labeling();

    /** Event time at which the watermark next drives an OPEN impression ({@link #onUpdate} with true). */
    long deadline(LabelState state, LabelJoinSettings settings);

    /**
     * Emits zero or more rows for the current state and says whether the key is now final.
     *
     * @param deadlinePassed the watermark reached {@link #deadline}; the policy must return {@code true} or emit
     * @return {@code true} when no more rows will be emitted for this impression
     */
    boolean onUpdate(LabelState state, boolean deadlinePassed, Collector<LabeledSample> out);

    /** The policy named by {@code settings} ({@link LabelJoinSettings#labeling()}, with its elapsed time). */
    static LabelingPolicy of(LabelJoinSettings settings) {
        return of(settings.labeling(), settings.labelingElapsedMs());
    }

    /**
     * The policy {@code labeling}; {@code elapsedMs} is the elapsed time {@code c} of es-dfm and defer (ignored by
     * the others).
     *
     * @throws IllegalArgumentException for {@link Labeling#ORACLE}, which needs the final labels in advance
     */
    static LabelingPolicy of(Labeling labeling, long elapsedMs) {
        switch (labeling) {
            case WAIT:
                return emitWhenFinal();
            case FNW:
                return fakeNegativeWeighted();
            case ES_DFM:
                return esDfm(elapsedMs);
            case DEFER:
                return defer(elapsedMs);
            case ORACLE:
                throw new IllegalArgumentException("oracle needs the final labels in advance: simulations only");
            default:
                throw new IllegalArgumentException("unknown labeling policy " + labeling);
        }
    }

    /**
     * {@code wait}: exactly one {@code FINAL} row per impression, emitted when final. Unclicked: at watermark &ge;
     * {@code ts_imp + clickWindow} (0, 0). Clicked: at watermark &ge; {@code ts_click + attributionWindow} (1, 0),
     * or at once when a conversion inside the attribution window arrives (1, 1), since nothing can change the
     * label after that (further conversions are duplicates). See {@link EmitWhenFinal}.
     */
    static LabelingPolicy emitWhenFinal() {
        return new EmitWhenFinal();
    }

    /**
     * {@code fnw}: a clicked impression's row at the click as a negative, a positive copy at conversion. See
     * {@link FakeNegativeWeighted}.
     */
    static LabelingPolicy fakeNegativeWeighted() {
        return new FakeNegativeWeighted();
    }

    /**
     * {@code es-dfm}: a clicked impression's row after {@code elapsedMs}, a positive copy on a later conversion.
     * See {@link ElapsedTimeSampling}.
     */
    static LabelingPolicy esDfm(long elapsedMs) {
        return new ElapsedTimeSampling(elapsedMs);
    }

    /** {@code defer}: as es-dfm, plus a copy with the final label at window close. See {@link DeferredFinalCopy}. */
    static LabelingPolicy defer(long elapsedMs) {
        return new DeferredFinalCopy(elapsedMs);
    }
}
