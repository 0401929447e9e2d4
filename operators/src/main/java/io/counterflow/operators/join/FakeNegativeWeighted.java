package io.counterflow.operators.join;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;

import org.apache.flink.util.Collector;

/**
 * {@code fnw} (fake negative weighted, Ktena et al. 2019): every clicked impression enters training at once as a
 * negative, every conversion again as a positive; the trainer's importance weights undo the bias.
 *
 * <ul>
 *   <li>Unclicked: one {@code FINAL} (0, 0) when the watermark passes {@code ts_imp + cw}.
 *   <li>Clicked: one {@code FIRST} (1, 0), {@code conversionTs} 0, as soon as the click is accepted (no waiting
 *       for the watermark, i.e. elapsed time c = 0). Always (1, 0), even when a conversion that arrived before
 *       its click is accepted together with it: that conversion then follows at once as the CORRECTION, so that
 *       every clicked impression has one negative row and every conversion one positive row.
 *   <li>A conversion accepted inside {@code aw}: one {@code CORRECTION} (1, 1) with {@code clickTs} and {@code
 *       conversionTs}, at once; the key is final.
 *   <li>No conversion: final without a row when the watermark passes {@code ts_click + aw}.
 * </ul>
 */
final class FakeNegativeWeighted implements LabelingPolicy {
    private static final long serialVersionUID = 1L;

    @Override
    public Labeling labeling() {
        return Labeling.FNW;
    }

    @Override
    public long deadline(LabelState s, LabelJoinSettings settings) {
        return LabelJoinOperator.windowEnd(s, settings);
    }

    @Override
    public boolean onUpdate(LabelState s, boolean deadlinePassed, Collector<LabeledSample> out) {
        if (!s.clicked) {
            if (deadlinePassed) {
                out.collect(s.toSample(Emission.FINAL, false));
                return true;
            }
            return false;
        }
        if (s.emissions == 0) {
            out.collect(s.toSample(Emission.FIRST, false));
        }
        if (s.converted && !s.conversionEmitted) {
            out.collect(s.toSample(Emission.CORRECTION, true));
            return true;
        }
        return deadlinePassed; // ts_click + aw: the negative stands, nothing more to emit
    }

    @Override
    public String toString() {
        return "fnw";
    }
}
