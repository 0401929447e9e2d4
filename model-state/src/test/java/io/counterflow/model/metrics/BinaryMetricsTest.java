package io.counterflow.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BinaryMetricsTest {
    private static final double EXACT = 1e-9;

    @Test
    void handComputedKsF1RecallAndMeans() {
        BinaryMetrics m = BinaryMetrics.of(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, new float[] {0, 0, 1, 1}, 4);
        assertThat(m.auc()).isCloseTo(0.75, within(EXACT));
        // thresholds from the top: TPR-FPR = .5, 0, .5, 0
        assertThat(m.ks()).isCloseTo(0.5, within(EXACT));
        // F1 at 0.8: 2/3; at 0.4: 1/2; at 0.35: 4/5 (TP 2, FP 1); at 0.1: 2/3
        assertThat(m.f1()).isCloseTo(0.8, within(EXACT));
        assertThat(m.recall()).isCloseTo(1.0, within(EXACT));
        assertThat(m.threshold()).isCloseTo(0.35, within(1e-6));
        assertThat(m.meanLabel()).isCloseTo(0.5, within(EXACT));
        assertThat(m.meanPrediction()).isCloseTo((0.1 + 0.4 + 0.35 + 0.8) / 4, within(1e-6));
        assertThat(m.samples()).isEqualTo(4);
    }

    @Test
    void bestF1PrefersTheHighestThresholdAmongTies() {
        // F1 at 0.9 (TP 1): 2/3; at 0.5 (TP 1, FP 1): 1/2; at 0.2 (TP 2, FP 1)... labels: 1, 0, 1, 0
        BinaryMetrics m = BinaryMetrics.of(new float[] {0.9f, 0.5f, 0.2f, 0.1f}, new float[] {1, 0, 1, 0}, 4);
        // at 0.9: 2*1/(1+0+2)=2/3; at 0.2: 2*2/(2+1+2)=4/5; at 0.1: 4/6
        assertThat(m.f1()).isCloseTo(0.8, within(EXACT));
        assertThat(m.threshold()).isCloseTo(0.2, within(1e-6));
        BinaryMetrics tied = BinaryMetrics.of(new float[] {0.9f, 0.1f}, new float[] {1, 1}, 2);
        assertThat(tied.f1()).isNaN(); // one class only
    }

    @Test
    void ksOfPerfectSeparationIsOneAndOfTiesIsZero() {
        assertThat(BinaryMetrics.of(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, new float[] {0, 0, 1, 1}, 4).ks())
                .isCloseTo(1.0, within(EXACT));
        assertThat(BinaryMetrics.of(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, new float[] {0, 1, 0, 1}, 4).ks())
                .isCloseTo(0.0, within(EXACT));
    }

    @Test
    void logLossIsClipped() {
        assertThat(BinaryMetrics.logLoss(new float[] {0.5f, 0.5f}, new float[] {1, 0}, 2))
                .isCloseTo(Math.log(2), within(EXACT));
        assertThat(BinaryMetrics.logLoss(new float[] {0f}, new float[] {1}, 1)).isCloseTo(-Math.log(1e-7), within(1e-6));
        assertThat(BinaryMetrics.logLoss(new float[] {1f}, new float[] {0}, 1)).isCloseTo(-Math.log(1e-7), within(1e-3));
        assertThat(BinaryMetrics.logLoss(new float[] {1f, 0f}, new float[] {1, 0}, 2)).isLessThan(1e-6);
        assertThat(BinaryMetrics.logLoss(new float[0], new float[0], 0)).isNaN();
    }
}
