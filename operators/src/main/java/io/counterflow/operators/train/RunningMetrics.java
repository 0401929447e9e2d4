package io.counterflow.operators.train;

import io.counterflow.model.metrics.Auc;

/**
 * Progressive-validation metrics over a window of the most recent predictions (made before the model trained on
 * their batch): AUC and mean prediction vs mean label, for pCTR over all samples and for pCVR over clicked ones.
 * Ring buffers of primitive arrays; the AUCs are recomputed (O(w log w): sorting both windows) after every
 * full window of new samples, not per batch, so the amortised cost is O(log w) per sample (recomputing after every
 * quarter window took about a tenth of the trainer's thread in the streaming benchmark; docs/performance.md).
 * Written by the task thread only; the published values are volatile for metric
 * reporters, which read them from another thread. Not part of checkpoints: after a restore the window refills.
 */
final class RunningMetrics {
    private final Window ctr;
    private final Window cvr;
    private long sinceRefresh;
    private final int refreshEvery;

    volatile double aucCtr = Double.NaN;
    volatile double aucCvr = Double.NaN;
    volatile double meanPctr = Double.NaN;
    volatile double meanClick = Double.NaN;
    volatile double meanPcvrClicked = Double.NaN;
    volatile double meanConversionClicked = Double.NaN;

    RunningMetrics(int window) {
        ctr = new Window(window);
        cvr = new Window(window);
        refreshEvery = window;
    }

    /** Adds one sample's predictions and labels. */
    void add(float pCtr, float pCvr, int click, int conversion) {
        ctr.add(pCtr, click);
        if (click == 1) {
            cvr.add(pCvr, conversion);
        }
        sinceRefresh++;
    }

    /** Recomputes the published values if a window of new samples has passed (or while none was published). */
    void maybeRefresh() {
        if (sinceRefresh >= refreshEvery || Double.isNaN(aucCtr) && sinceRefresh > 0) {
            refresh();
        }
    }

    void refresh() {
        sinceRefresh = 0;
        aucCtr = ctr.auc();
        aucCvr = cvr.auc();
        meanPctr = ctr.meanScore();
        meanClick = ctr.meanLabel();
        meanPcvrClicked = cvr.meanScore();
        meanConversionClicked = cvr.meanLabel();
    }

    /** A ring buffer of (score, label). */
    private static final class Window {
        private final float[] score;
        private final float[] label;
        private int next;
        private int size;
        private int[] keys;
        private int[] keys2;
        private byte[] labels;
        private byte[] labels2;
        private final int[] count = new int[2049];

        Window(int capacity) {
            score = new float[capacity];
            label = new float[capacity];
        }

        void add(float s, int y) {
            score[next] = s;
            label[next] = y;
            next = (next + 1) % score.length;
            size = Math.min(size + 1, score.length);
        }

        /**
         * Exact AUC of the window (a tie between a positive and a negative counts ½), the value {@link Auc#exact}
         * gives, bit for bit: the sums are of whole and half counts, exact in doubles. Sorted with an LSD radix sort
         * of the scores' order-preserving bits (three 11-bit passes, labels carried along) into reused arrays
         * instead of a comparison sort of index-tagged longs: the refresh took ~5% of the trainer's thread.
         */
        double auc() {
            int n = size;
            if (n == 0) {
                return Double.NaN;
            }
            if (keys == null) {
                keys = new int[score.length];
                keys2 = new int[score.length];
                labels = new byte[score.length];
                labels2 = new byte[score.length];
            }
            int[] k = keys;
            byte[] y = labels;
            for (int i = 0; i < n; i++) {
                float v = score[i];
                if (Float.isNaN(v)) {
                    return Double.NaN;
                }
                int bits = Float.floatToIntBits(v + 0.0f); // + 0.0f folds -0.0 into 0.0
                // float order as signed-int order, then flipped into unsigned order for the radix passes
                k[i] = (bits ^ ((bits >> 31) & 0x7fffffff)) ^ Integer.MIN_VALUE;
                y[i] = label[i] > 0.5f ? (byte) 1 : (byte) 0;
            }
            int[] kOut = keys2;
            byte[] yOut = labels2;
            for (int shift = 0; shift < 32; shift += 11) {
                java.util.Arrays.fill(count, 0);
                for (int i = 0; i < n; i++) {
                    count[((k[i] >>> shift) & 0x7ff) + 1]++;
                }
                for (int b = 1; b < count.length; b++) {
                    count[b] += count[b - 1];
                }
                for (int i = 0; i < n; i++) {
                    int d = count[(k[i] >>> shift) & 0x7ff]++;
                    kOut[d] = k[i];
                    yOut[d] = y[i];
                }
                int[] tk = k;
                k = kOut;
                kOut = tk;
                byte[] ty = y;
                y = yOut;
                yOut = ty;
            }
            // Ascending walk, one group of equal scores at a time.
            double negBelow = 0;
            double totalPos = 0;
            double aucSum = 0;
            for (int start = 0; start < n; ) {
                int end = start;
                int pos = 0;
                while (end < n && k[end] == k[start]) {
                    pos += y[end];
                    end++;
                }
                int neg = end - start - pos;
                aucSum += pos * (negBelow + 0.5 * neg);
                negBelow += neg;
                totalPos += pos;
                start = end;
            }
            double pairs = totalPos * negBelow;
            return pairs > 0 ? aucSum / pairs : Double.NaN;
        }

        double meanScore() {
            return mean(score);
        }

        double meanLabel() {
            return mean(label);
        }

        private double mean(float[] a) {
            if (size == 0) {
                return Double.NaN;
            }
            double s = 0;
            for (int i = 0; i < size; i++) {
                s += a[i];
            }
            return s / size;
        }
    }
}
