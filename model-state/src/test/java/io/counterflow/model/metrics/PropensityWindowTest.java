package io.counterflow.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.counterflow.model.objective.LossTerms;
import org.junit.jupiter.api.Test;

/** The window covers the last batches only, and its ESS is that of the pooled weights. */
class PropensityWindowTest {

    private static LossTerms batch(int samples, int clicks, int clipped, double[] weights) {
        LossTerms t = new LossTerms();
        t.reset(samples);
        t.clicks = clicks;
        t.clippedPropensities = clipped;
        for (double w : weights) {
            t.weightSum += w;
            t.weightSquareSum += w * w;
            t.maxWeight = Math.max(t.maxWeight, w);
        }
        return t;
    }

    @Test
    void pooledOverTheWindowAndForgetsOlderBatches() {
        PropensityWindow w = new PropensityWindow(2);
        w.add(batch(10, 2, 5, new double[] {100, 100}));
        w.add(batch(10, 2, 0, new double[] {2, 2}));
        w.add(batch(10, 2, 1, new double[] {2, 50}));
        // The first batch fell out: weights {2, 2, 2, 50}.
        double s = 56;
        double s2 = 4 + 4 + 4 + 2500;
        assertThat(w.batches()).isEqualTo(2);
        assertThat(w.effectiveSampleSize()).isCloseTo(s * s / s2, within(1e-9));
        assertThat(w.effectiveShare()).isCloseTo(s * s / s2 / 4, within(1e-9));
        assertThat(w.maxWeight()).isEqualTo(50);
        assertThat(w.clipFraction()).isCloseTo(1.0 / 20, within(1e-12));
        assertThat(w.lowEffectiveSampleSize()).isFalse();
        w.add(batch(10, 10, 0, new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1000}));
        assertThat(w.lowEffectiveSampleSize()).as(w.summary()).isTrue();
    }

    @Test
    void unweightedObjectivesGiveNoShare() {
        PropensityWindow w = new PropensityWindow(3);
        w.add(batch(10, 3, 0, new double[0]));
        assertThat(w.effectiveShare()).isNaN();
        assertThat(w.lowEffectiveSampleSize()).isFalse();
    }
}
