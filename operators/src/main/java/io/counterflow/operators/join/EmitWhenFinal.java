package io.counterflow.operators.join;

import io.counterflow.model.data.LabeledSample;

import org.apache.flink.util.Collector;

/** See {@link LabelingPolicy#emitWhenFinal()}. */
final class EmitWhenFinal implements LabelingPolicy {
    private static final long serialVersionUID = 1L;

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
