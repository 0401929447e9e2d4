package io.counterflow.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

class AucTest {
    private static final double EXACT = 1e-12;

    @Test
    void handComputedExample() {
        float[] s = {0.1f, 0.4f, 0.35f, 0.8f};
        float[] y = {0, 0, 1, 1};
        assertThat(Auc.exact(s, y, 4)).isCloseTo(0.75, within(EXACT));
    }

    @Test
    void tiesCountHalf() {
        assertThat(Auc.exact(new float[] {0.2f, 0.5f, 0.5f, 0.9f}, new float[] {0, 1, 0, 1}, 4))
                .isCloseTo(0.875, within(EXACT));
        assertThat(Auc.exact(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, new float[] {0, 1, 0, 1}, 4))
                .isCloseTo(0.5, within(EXACT));
        // -0.0 and 0.0 are the same score
        assertThat(Auc.exact(new float[] {-0.0f, 0.0f}, new float[] {1, 0}, 2)).isCloseTo(0.5, within(EXACT));
    }

    @Test
    void perfectAndInvertedRankings() {
        float[] y = {0, 0, 0, 1, 1};
        assertThat(Auc.exact(new float[] {-3f, 0.1f, 0.2f, 0.3f, 9f}, y, 5)).isEqualTo(1.0);
        assertThat(Auc.exact(new float[] {0.9f, 0.8f, 0.7f, 0.2f, 0.1f}, y, 5)).isEqualTo(0.0);
    }

    @Test
    void oneClassOrNoSamplesOrNaNScoreGiveNaN() {
        assertThat(Auc.exact(new float[] {0.1f, 0.9f}, new float[] {1, 1}, 2)).isNaN();
        assertThat(Auc.exact(new float[] {0.1f, 0.9f}, new float[] {0, 0}, 2)).isNaN();
        assertThat(Auc.exact(new float[0], new float[0], 0)).isNaN();
        assertThat(Auc.exact(new float[] {Float.NaN, 0.9f}, new float[] {0, 1}, 2)).isNaN();
    }

    @Test
    void onlyTheFirstNEntriesCount() {
        float[] s = {0.1f, 0.9f, 0.95f};
        float[] y = {0, 1, 0};
        assertThat(Auc.exact(s, y, 2)).isEqualTo(1.0);
        assertThat(Auc.exact(s, y, 3)).isCloseTo(0.5, within(EXACT));
    }

    @Test
    void rejectsNonBinaryLabels() {
        assertThatThrownBy(() -> Auc.exact(new float[] {0.1f}, new float[] {0.5f}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label[0]");
    }

    @Test
    void matchesBruteForcePairCountingWithManyTies() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 20; round++) {
            int n = 50 + rnd.nextInt(150);
            float[] s = new float[n];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(12) / 11f; // few distinct values: many ties
                y[i] = rnd.nextDouble() < 0.3 + 0.4 * s[i] ? 1 : 0;
            }
            double num = 0;
            double den = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (y[i] == 1 && y[j] == 0) {
                        den++;
                        num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    }
                }
            }
            assertThat(Auc.exact(s, y, n)).isCloseTo(num / den, within(1e-12));
        }
    }

    @Test
    void expectedAucEqualsPlainAucForZeroOneTruth() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 500;
        float[] s = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = rnd.nextInt(40) / 39f;
            y[i] = rnd.nextDouble() < s[i] ? 1 : 0;
        }
        assertThat(Auc.expected(s, y, n)).isCloseTo(Auc.exact(s, y, n), within(1e-12));
        float[] notY = new float[n];
        for (int i = 0; i < n; i++) {
            notY[i] = 1 - y[i];
        }
        assertThat(Auc.weighted(s, y, notY, n)).isCloseTo(Auc.exact(s, y, n), within(1e-12));
    }

    @Test
    void expectedAucHandComputedCases() {
        // sample 1 (q = 0.5) is only ever paired with sample 0 (always negative) and ranks above it
        assertThat(Auc.expected(new float[] {0.2f, 0.8f}, new float[] {0f, 0.5f}, 2)).isCloseTo(1.0, within(EXACT));
        // pair weights q_i (1 - q_j), i != j: (1,0) .25 concordant, (2,0) .5 concordant, (0,1) .25 and (2,1) .5 not
        assertThat(Auc.expected(new float[] {0.2f, 0.8f, 0.5f}, new float[] {0.5f, 0.5f, 1f}, 3))
                .isCloseTo(0.5, within(EXACT));
        // a single sample forms no pair
        assertThat(Auc.expected(new float[] {0.3f}, new float[] {0.5f}, 1)).isNaN();
    }

    @Test
    void expectedAucMatchesMonteCarloOverBernoulliOutcomes() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 400;
        float[] s = new float[n];
        float[] q = new float[n];
        for (int i = 0; i < n; i++) {
            q[i] = (float) rnd.nextDouble(0.05, 0.6);
            s[i] = (float) (q[i] + rnd.nextGaussian() * 0.1);
        }
        double num = 0;
        double den = 0;
        float[] y = new float[n];
        for (int draw = 0; draw < 2000; draw++) {
            long pos = 0;
            for (int i = 0; i < n; i++) {
                y[i] = rnd.nextDouble() < q[i] ? 1 : 0;
                pos += (long) y[i];
            }
            double auc = Auc.exact(s, y, n);
            num += auc * pos * (n - pos); // ratio of expectations: weight each draw by its pair count
            den += (double) pos * (n - pos);
        }
        assertThat(Auc.expected(s, q, n)).isCloseTo(num / den, within(2e-3));
    }
}
