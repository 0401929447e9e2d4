package io.counterflow.jobs.eval;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.feedback.FeedbackCorrection;
import io.counterflow.model.feedback.Labeling;
import io.counterflow.model.metrics.Evaluation;
import io.counterflow.model.metrics.EvaluationResult;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.operators.join.EmissionSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * One policy on one world with one initialisation seed: trains in emission order on the policy's rows (pCVR
 * before the step gives the weights, as in the training operator), and at the start of every slice scores that
 * slice's impressions with their final labels. Pooled metrics skip the first {@code warmupMs} of the stream.
 */
final class PolicyRun {
    /** The pooled evaluation after warm-up, and one evaluation per day for the series. */
    final EvaluationResult pooled;
    final List<EvaluationResult> daily;
    final long rows;
    final long warmupRows;
    final double meanWeight;
    final double seconds;

    private PolicyRun(EvaluationResult pooled, List<EvaluationResult> daily, long rows, long warmupRows,
            double meanWeight, double seconds) {
        this.pooled = pooled;
        this.daily = daily;
        this.rows = rows;
        this.warmupRows = warmupRows;
        this.meanWeight = meanWeight;
        this.seconds = seconds;
    }

    static PolicyRun run(World w, Labeling policy, long elapsedMs, Settings settings, Backend be, int batchSize,
            long sliceMs, long warmupMs) {
        long t0 = System.nanoTime();
        long[] ts = new long[w.impressions.length];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = w.impressions[i].ts;
        }
        EmissionSchedule e = EmissionSchedule.of(ts, w.clickTs, w.conversionTs, w.clickWindowMs,
                w.attributionWindowMs, policy, elapsedMs);
        List<Features> head = new ArrayList<>();
        for (int i = 0; i < Math.min(10_000, w.impressions.length); i++) {
            head.add(w.impressions[i].features);
        }
        FeatureSpace space = FeatureSpace.infer(head, settings.get(Settings.EMBEDDING_DIM), settings.get(Settings.BUCKETS),
                settings.get(Settings.TABLE_PER_FIELD), settings.get(Settings.HASH_SEED));
        FeedbackCorrection correction = new FeedbackCorrection(policy, w.attributionWindowMs, elapsedMs);
        int evalBatch = 1024;
        try (CvrModel model = new CvrModel(settings, space, be, Math.max(batchSize, evalBatch))) {
            BatchEncoder enc = new BatchEncoder(space);
            EncodedBatch train = enc.newBatch(batchSize);
            EncodedBatch eval = enc.newBatch(evalBatch);
            LabeledSample[] rows = new LabeledSample[batchSize];
            for (int i = 0; i < batchSize; i++) {
                rows[i] = new LabeledSample();
            }
            float[] pCtr = new float[Math.max(batchSize, evalBatch)];
            float[] pCvr = new float[pCtr.length];
            Evaluation pooled = new Evaluation();
            List<EvaluationResult> daily = new ArrayList<>();
            Evaluation day = new Evaluation();
            long start = w.impressions[0].ts;
            long end = w.impressions[w.impressions.length - 1].ts;
            long boundary = start;
            long nextDay = start + 86_400_000L;
            int evalIdx = 0;
            int filled = 0;
            for (int r = 0; r <= e.size; r++) {
                long now = r < e.size ? e.time[r] : Long.MAX_VALUE;
                while (now >= boundary && boundary <= end) {
                    // Score [boundary, boundary + slice) with the model as of now (the slice's start).
                    long to = boundary + sliceMs;
                    while (evalIdx < w.impressions.length && w.impressions[evalIdx].ts < to) {
                        int n = 0;
                        int from = evalIdx;
                        while (evalIdx < w.impressions.length && w.impressions[evalIdx].ts < to && n < evalBatch) {
                            evalIdx++;
                            n++;
                        }
                        enc.encode(w.impressions, from, n, eval, false);
                        model.predict(eval, pCtr, pCvr);
                        for (int i = 0; i < n; i++) {
                            LabeledSample s = w.impressions[from + i];
                            if (s.ts >= nextDay) {
                                daily.add(day.result());
                                day = new Evaluation();
                                nextDay += 86_400_000L;
                            }
                            day.add(s, pCtr[i], pCvr[i]);
                            if (s.ts >= start + warmupMs) {
                                pooled.add(s, pCtr[i], pCvr[i]);
                            }
                        }
                    }
                    boundary = to;
                }
                if (r == e.size || boundary > end && filled == 0) {
                    break;
                }
                int i = e.impression[r];
                LabeledSample src = w.impressions[i];
                LabeledSample row = rows[filled++];
                row.id = src.id;
                row.ts = src.ts;
                row.features = src.features;
                row.truth = src.truth;
                row.click = src.click;
                row.conversion = e.conversion[r];
                row.emission = e.kind[r];
                row.clickTs = w.clickTs[i] == Long.MIN_VALUE ? 0 : w.clickTs[i];
                row.conversionTs = e.conversion[r] == 1 ? w.conversionTs[i] : 0;
                if (filled == batchSize) {
                    trainBatch(model, enc, train, rows, filled, pCtr, pCvr, correction);
                    filled = 0;
                }
            }
            if (day.size() > 0) {
                daily.add(day.result());
            }
            return new PolicyRun(pooled.result(), daily, e.size, correction.warmupRows(), correction.meanWeight(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    private static void trainBatch(CvrModel model, BatchEncoder enc, EncodedBatch b, LabeledSample[] rows, int n,
            float[] pCtr, float[] pCvr, FeedbackCorrection correction) {
        enc.encode(rows, 0, n, b, true);
        if (correction.corrects()) {
            model.initialiseOutputBiasesBefore(b);
            model.predict(b, pCtr, pCvr);
            correction.weigh(rows, 0, n, pCvr, b);
        }
        model.trainStep(b);
    }
}
