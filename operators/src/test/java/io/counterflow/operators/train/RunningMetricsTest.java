package io.counterflow.operators.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.metrics.Auc;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

/** The running AUCs equal {@link Auc#exact} over the window's predictions, bit for bit. */
class RunningMetricsTest {
    @Test
    void windowAucsEqualTheExactAucOverTheLastWindowOfPredictions() {
        SplittableRandom r = new SplittableRandom(11);
        int window = 3000;
        for (int trial = 0; trial < 6; trial++) {
            RunningMetrics m = new RunningMetrics(window);
            int n = window + r.nextInt(5000); // the ring buffer wraps
            float[] pCtr = new float[n];
            float[] pCvr = new float[n];
            int[] click = new int[n];
            int[] conversion = new int[n];
            for (int i = 0; i < n; i++) {
                // coarse scores (many ties), signed zeros, the extremes, and a fine-grained part
                pCtr[i] = trial % 2 == 0 ? Math.round(r.nextFloat() * 50) / 50f : r.nextFloat();
                pCtr[i] = i % 97 == 0 ? -0.0f : i % 89 == 0 ? 0.0f : i % 83 == 0 ? 1f : pCtr[i];
                pCvr[i] = r.nextFloat() < 0.1f ? 0.25f : r.nextFloat();
                click[i] = r.nextFloat() < pCtr[i] * 0.6f ? 1 : 0;
                conversion[i] = click[i] == 1 && r.nextFloat() < pCvr[i] ? 1 : 0;
                m.add(pCtr[i], pCvr[i], click[i], conversion[i]);
            }
            m.refresh();
            assertThat(m.aucCtr).isEqualTo(exactOverWindow(pCtr, click, null, window));
            assertThat(m.aucCvr).isEqualTo(exactOverWindow(pCvr, conversion, click, window));
        }
    }

    @Test
    void oneLabelOnlyOrANanScoreGivesNan() {
        RunningMetrics m = new RunningMetrics(100);
        for (int i = 0; i < 50; i++) {
            m.add(i / 50f, 0.5f, 0, 0);
        }
        m.refresh();
        assertThat(m.aucCtr).isNaN();
        m.add(Float.NaN, 0.5f, 1, 0);
        m.refresh();
        assertThat(m.aucCtr).isNaN();
    }

    /** Auc.exact over the last {@code window} samples (of those with {@code mask} 1, when given). */
    private static double exactOverWindow(float[] scores, int[] labels, int[] mask, int window) {
        float[] s = new float[scores.length];
        float[] y = new float[scores.length];
        int k = 0;
        for (int i = 0; i < scores.length; i++) {
            if (mask == null || mask[i] == 1) {
                s[k] = scores[i];
                y[k++] = labels[i];
            }
        }
        int from = Math.max(0, k - window);
        return Auc.exact(Arrays.copyOfRange(s, from, k), Arrays.copyOfRange(y, from, k), k - from);
    }
}
