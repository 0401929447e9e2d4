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
        private float[] sortScratch;
        private float[] labelScratch;

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

        double auc() {
            if (size == 0) {
                return Double.NaN;
            }
            // Auc.exact may reorder its inputs: give it copies.
            if (sortScratch == null) {
                sortScratch = new float[score.length];
                labelScratch = new float[score.length];
            }
            System.arraycopy(score, 0, sortScratch, 0, size);
            System.arraycopy(label, 0, labelScratch, 0, size);
            return Auc.exact(sortScratch, labelScratch, size);
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
