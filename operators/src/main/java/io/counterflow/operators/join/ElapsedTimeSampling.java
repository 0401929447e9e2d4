package io.counterflow.operators.join;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feedback.Labeling;

import org.apache.flink.util.Collector;

/**
 * {@code es-dfm} (elapsed-time sampling, Yang et al. 2021): a clicked impression enters training after an elapsed
 * time {@code c} with the label observed by then; a conversion after that enters again as a positive.
 *
 * <ul>
 *   <li>Unclicked: one {@code FINAL} (0, 0) when the watermark passes {@code ts_imp + cw}.
 *   <li>Clicked: one {@code FIRST} row when the watermark passes {@code ts_click + c}, with the label observed by
 *       {@code ts_click + c} in event time: (1, 1) with {@code conversionTs} if the accepted conversion has {@code
 *       ts_conv <= ts_click + c}, and then the key is final; else (1, 0) with {@code conversionTs} 0.
 *   <li>A conversion with {@code ts_conv > ts_click + c} (inside {@code aw}): one {@code CORRECTION} (1, 1) — at
 *       once when it is accepted after the FIRST row, or right after the FIRST row when it was accepted before it
 *       (events ahead of the watermark) — and the key is final. So rows depend only on event times, never on how
 *       far the watermark lagged. A conversion with {@code ts_conv <= ts_click + c} accepted after the FIRST
 *       (a late event within the allowed lateness) is a CORRECTION too.
 *   <li>No conversion: final without a further row when the watermark passes {@code ts_click + aw}.
 * </ul>
 */
final class ElapsedTimeSampling implements LabelingPolicy {
    private static final long serialVersionUID = 1L;

    private final long elapsedMs;

    ElapsedTimeSampling(long elapsedMs) {
        if (elapsedMs < 0) {
            throw new IllegalArgumentException("es-dfm's elapsed time must be zero or positive (got " + elapsedMs
                    + " ms)");
        }
        this.elapsedMs = elapsedMs;
    }

    @Override
    public Labeling labeling() {
        return Labeling.ES_DFM;
    }

    @Override
    public long deadline(LabelState s, LabelJoinSettings settings) {
        return firstRowPending(s) ? LabelJoinOperator.satAdd(s.clickTs, elapsedMs)
                : LabelJoinOperator.windowEnd(s, settings);
    }

    @Override
    public boolean onUpdate(LabelState s, boolean deadlinePassed, Collector<LabeledSample> out) {
        if (!s.clicked) {
            return unclicked(s, deadlinePassed, out);
        }
        if (s.emissions == 0) {
            if (!deadlinePassed) {
                return false; // the FIRST row waits for the watermark at ts_click + c
            }
            boolean observed = observedBy(s, elapsedMs);
            out.collect(s.toSample(Emission.FIRST, observed));
            if (observed) {
                return true;
            }
        }
        if (s.converted && !s.conversionEmitted) {
            out.collect(s.toSample(Emission.CORRECTION, true));
            return true;
        }
        return deadlinePassed && s.emissions > 0; // ts_click + aw without conversion
    }

    /** Clicked and its FIRST row not yet out: the next deadline is {@code ts_click + c}. */
    static boolean firstRowPending(LabelState s) {
        return s.clicked && s.emissions == 0;
    }

    /** The accepted conversion happened by {@code ts_click + c} (event time). */
    static boolean observedBy(LabelState s, long elapsedMs) {
        return s.converted && s.conversionTs <= LabelJoinOperator.satAdd(s.clickTs, elapsedMs);
    }

    /** Every policy's rule for an unclicked impression: FINAL (0, 0) at {@code ts_imp + cw}. */
    static boolean unclicked(LabelState s, boolean deadlinePassed, Collector<LabeledSample> out) {
        if (deadlinePassed) {
            out.collect(s.toSample(Emission.FINAL, false));
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "es-dfm(c=" + elapsedMs + "ms)";
    }
}
