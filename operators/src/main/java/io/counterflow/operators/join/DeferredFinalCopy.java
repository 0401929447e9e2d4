package io.counterflow.operators.join;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;

import org.apache.flink.util.Collector;

/**
 * {@code defer} (Gu et al. 2021): as {@code es-dfm}, and every clicked impression enters training a second time
 * with its final label, so that each clicked impression yields exactly two rows.
 *
 * <ul>
 *   <li>Unclicked: one {@code FINAL} (0, 0) when the watermark passes {@code ts_imp + cw}.
 *   <li>Clicked: one {@code FIRST} row when the watermark passes {@code ts_click + c}, with the label observed by
 *       {@code ts_click + c} in event time ((1, 1) if the accepted conversion has {@code ts_conv <= ts_click + c},
 *       else (1, 0)), exactly as {@link ElapsedTimeSampling}.
 *   <li>A conversion not in the FIRST row (inside {@code aw}): one {@code CORRECTION} (1, 1) at once (or right
 *       after the FIRST row when it was accepted before it); that is the second row and the key is final.
 *   <li>Otherwise, when the watermark passes {@code ts_click + aw}: one {@code FINAL_COPY} with the final label —
 *       (1, 1) for an early positive (its FIRST was (1, 1)), (1, 0) for a real negative — and the key is final.
 * </ul>
 */
final class DeferredFinalCopy implements LabelingPolicy {
    private static final long serialVersionUID = 1L;

    private final long elapsedMs;

    DeferredFinalCopy(long elapsedMs) {
        if (elapsedMs < 0) {
            throw new IllegalArgumentException("defer's elapsed time must be zero or positive (got " + elapsedMs
                    + " ms)");
        }
        this.elapsedMs = elapsedMs;
    }

    @Override
    public Labeling labeling() {
        return Labeling.DEFER;
    }

    @Override
    public long deadline(LabelState s, LabelJoinSettings settings) {
        return ElapsedTimeSampling.firstRowPending(s) ? LabelJoinOperator.satAdd(s.clickTs, elapsedMs)
                : LabelJoinOperator.windowEnd(s, settings);
    }

    @Override
    public boolean onUpdate(LabelState s, boolean deadlinePassed, Collector<LabeledSample> out) {
        if (!s.clicked) {
            return ElapsedTimeSampling.unclicked(s, deadlinePassed, out);
        }
        boolean conversionOut = s.conversionEmitted;
        if (s.emissions == 0) {
            if (!deadlinePassed) {
                return false; // the FIRST row waits for the watermark at ts_click + c
            }
            conversionOut = ElapsedTimeSampling.observedBy(s, elapsedMs);
            out.collect(s.toSample(Emission.FIRST, conversionOut));
            if (conversionOut || !s.converted) {
                return false; // the second row comes at ts_click + aw
            }
        }
        if (s.converted && !conversionOut) {
            out.collect(s.toSample(Emission.CORRECTION, true));
            return true;
        }
        if (deadlinePassed && s.emissions > 0) { // ts_click + aw: the second row, with the final label
            out.collect(s.toSample(Emission.FINAL_COPY, s.converted));
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "defer(c=" + elapsedMs + "ms)";
    }
}
