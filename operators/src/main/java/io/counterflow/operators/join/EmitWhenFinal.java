package io.counterflow.operators.join;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;

import org.apache.flink.util.Collector;

/**
 * {@code wait}: one {@link io.counterflow.model.data.Emission#FINAL FINAL} row per impression, when its labels are
 * final.
 *
 * <ul>
 *   <li>Unclicked: (0, 0) when the watermark passes {@code ts_imp + cw}.
 *   <li>Clicked and converted inside {@code aw}: (1, 1) at once when the conversion is accepted.
 *   <li>Clicked, not converted: (1, 0) when the watermark passes {@code ts_click + aw}.
 * </ul>
 *
 * Rows carry {@code clickTs} (0 unclicked) and {@code conversionTs} (0 without conversion).
 */
final class EmitWhenFinal implements LabelingPolicy {
    private static final long serialVersionUID = 1L;

    @Override
    public Labeling labeling() {
        return Labeling.WAIT;
    }

    @Override
    public long deadline(LabelState s, LabelJoinSettings settings) {
        return LabelJoinOperator.windowEnd(s, settings);
    }

    @Override
    public boolean onUpdate(LabelState s, boolean deadlinePassed, Collector<LabeledSample> out) {
        // A conversion makes the label final: (1, 1) cannot change any more, so emit without waiting for the
        // attribution window to close.
        if (deadlinePassed || s.converted) {
            out.collect(s.toSample());
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "emitWhenFinal";
    }
}
