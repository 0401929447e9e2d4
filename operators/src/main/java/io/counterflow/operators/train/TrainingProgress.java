package io.counterflow.operators.train;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Locale;

/**
 * What {@link TrainingOperator} emits per batch it receives: the counters after the batch (as kept in operator
 * state, so they continue across restores), the batch's loss terms, and the running metrics. A Flink POJO.
 * Downstream consumers (progress displays, tests) must not treat these as exactly-once: after a restore, batches
 * after the restored checkpoint are trained and reported again.
 */
public final class TrainingProgress {
    /** Explicit type information; a {@code PojoTypeInfo}, never a generic type. */
    public static final TypeInformation<TrainingProgress> TYPE_INFO = Types.POJO(TrainingProgress.class);

    /** Optimiser updates applied so far. */
    public long step;
    /** Batches and samples received (trained or skipped). */
    public long seenBatches;
    public long seenSamples;
    /** Samples of applied updates. */
    public long trainedSamples;
    /** Batches skipped: non-finite input values, or a non-finite loss or gradient. */
    public long skippedBatches;
    /** This batch: samples, clicks, whether it was trained (false: skipped). */
    public int batchSamples;
    public int batchClicks;
    public boolean trained;
    /** This batch's loss terms (NaN when skipped for non-finite input). */
    public double loss;
    public double lossCtr;
    public double lossCvr;
    public double lossCtcvr;
    public double lossImputation;
    public double lossCounterfactual;
    public int clippedPropensities;
    /** Running AUC of pCTR (all samples) and pCVR (clicked samples) over the evaluation window; NaN if undefined. */
    public double runningAucCtr;
    public double runningAucCvr;

    public TrainingProgress() {}

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "TrainingProgress{step=%d, seen=%d/%d, trained=%d, skipped=%d, loss=%.5f,"
                + " aucCtr=%.4f, aucCvr=%.4f}", step, seenBatches, seenSamples, trainedSamples, skippedBatches, loss,
                runningAucCtr, runningAucCvr);
    }
}
