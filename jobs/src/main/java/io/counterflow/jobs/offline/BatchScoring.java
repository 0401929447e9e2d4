package io.counterflow.jobs.offline;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.snapshot.CvrScorer;
import java.io.IOException;

/** Reads records one by one, scores them in batches of 1024, and hands each scored record on. */
public final class BatchScoring {
    private static final int BATCH = 1024;

    /** The next record, or null at the end. */
    public interface Source {
        LabeledSample next() throws IOException;
    }

    /** One scored record. */
    public interface Sink {
        void accept(LabeledSample s, float pCtr, float pCvr) throws IOException;
    }

    private BatchScoring() {}

    /** Scores every record of the source; returns how many. */
    public static long scoreAll(CvrScorer scorer, Source source, Sink sink) throws IOException {
        LabeledSample[] buf = new LabeledSample[BATCH];
        float[] ctr = new float[BATCH];
        float[] cvr = new float[BATCH];
        long n = 0;
        while (true) {
            int k = 0;
            LabeledSample s = null;
            while (k < BATCH && (s = source.next()) != null) {
                buf[k++] = s;
            }
            if (k > 0) {
                scorer.score(buf, k, ctr, cvr);
                for (int i = 0; i < k; i++) {
                    sink.accept(buf[i], ctr[i], cvr[i]);
                }
                n += k;
            }
            if (s == null) {
                return n;
            }
        }
    }
}
