package io.counterflow.operators.join;

import io.counterflow.model.data.LabeledSample;

import org.apache.flink.util.Collector;

import java.io.Serializable;

/**
 * When an impression's sample is final and what it says. Kept apart from {@link LabelJoinOperator} (which owns
 * windows, buffering, dead letters and state cleanup) so that a later policy can emit early and correct
 * delayed feedback without touching the join.
 *
 * <p>Lifecycle, per impression id, as driven by the operator:
 *
 * <ol>
 *   <li>the impression arrives: {@link #onUpdate} with {@code deadlinePassed = false}; the operator then
 *       registers an event-time timer at {@link #deadline};
 *   <li>after each accepted change (the first valid click; the first valid conversion): {@link #onUpdate} again
 *       with {@code deadlinePassed = false}, and the timer moves to the new {@link #deadline};
 *   <li>when the watermark reaches the deadline: {@link #onUpdate} with {@code deadlinePassed = true}, which must
 *       return {@code true}.
 * </ol>
 *
 * Once {@link #onUpdate} returns {@code true} the key is final: the operator drops the impression, keeps a
 * tombstone until the window end plus the allowed lateness, and never calls the policy for this key again. The
 * {@link LabelState} passed in is read-only.
 */
public interface LabelingPolicy extends Serializable {

    /** Event time at which the label of an OPEN impression is final by the watermark alone. */
    long deadline(LabelState state, LabelJoinSettings settings);

    /**
     * Emits zero or more samples for the current state and says whether the key is now final.
     *
     * @param deadlinePassed the watermark reached {@link #deadline}; the policy must return {@code true}
     * @return {@code true} when no more samples will be emitted for this impression
     */
    boolean onUpdate(LabelState state, boolean deadlinePassed, Collector<LabeledSample> out);

    /**
     * The default policy: exactly one sample per impression, emitted when final. Unclicked: at watermark &ge;
     * {@code ts_imp + clickWindow} (0, 0). Clicked: at watermark &ge; {@code ts_click + attributionWindow} (1, 0),
     * or at once when a conversion inside the attribution window arrives (1, 1), since nothing can change the
     * label after that (further conversions are duplicates).
     */
    static LabelingPolicy emitWhenFinal() {
        return new EmitWhenFinal();
    }
}
