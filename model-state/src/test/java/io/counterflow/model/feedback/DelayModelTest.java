package io.counterflow.model.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The delay model on a simulated click stream with lognormal delays (median 30 min, a long tail): early in the
 * stream, when long delays are still partly hidden, the truncation-corrected S(c) is closer to the truth than the
 * plain share of late conversions, and after the window it matches the truth; its state round-trips.
 */
class DelayModelTest {
    private static final long MIN = 60_000L;
    private static final long DAY = 24 * 60 * MIN;
    private static final long WINDOW = 7 * DAY;
    private static final long ELAPSED = 15 * MIN;

    @Test
    void truncationCorrectedSurvivalMatchesTheTruthEarlyAndLate() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        double mu = Math.log(30 * MIN);
        double sigma = 2.0;
        // True S(c | delay ≤ W) of the lognormal.
        long trueLate = 0;
        long trueAll = 0;
        for (int i = 0; i < 400_000; i++) {
            double d = Math.exp(mu + sigma * r.nextGaussian());
            if (d <= WINDOW) {
                trueAll++;
                trueLate += d > ELAPSED ? 1 : 0;
            }
        }
        double truth = (double) trueLate / trueAll;

        DelayModel m = new DelayModel(WINDOW, ELAPSED);
        // Clicks every 20 s for 10 days, 10% convert; conversions are seen in event-time order.
        PriorityQueue<long[]> pending = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        long plainLate = 0;
        long plainAll = 0;
        double earlyEstimate = Double.NaN;
        double earlyPlain = Double.NaN;
        for (long t = 0; t < 10 * DAY; t += 20_000) {
            while (!pending.isEmpty() && pending.peek()[0] <= t) {
                long[] c = pending.poll();
                m.observeConversion(c[1], c[0]);
                plainAll++;
                plainLate += c[1] > ELAPSED ? 1 : 0;
            }
            m.observeClick(t);
            if (r.nextDouble() < 0.1) {
                long d = (long) Math.exp(mu + sigma * r.nextGaussian());
                if (d <= WINDOW) {
                    pending.add(new long[] {t + Math.max(d, ELAPSED), d});
                }
            }
            if (t == 2 * DAY) {
                earlyEstimate = m.survival();
                earlyPlain = (double) plainLate / plainAll;
            }
        }
        assertThat(m.ready()).isTrue();
        assertThat(earlyEstimate).as("corrected S(c) after 2 days (truth %.4f, uncorrected %.4f)", truth, earlyPlain)
                .isCloseTo(truth, within(0.025));
        // Delays longer than the stream's age cannot be seen by any estimator; the correction removes the rest.
        assertThat(Math.abs(earlyPlain - truth)).as("the uncorrected share after 2 days (truth %.4f)", truth)
                .isGreaterThan(1.4 * Math.abs(earlyEstimate - truth));
        assertThat(m.survival()).as("corrected S(c) after 10 days").isCloseTo(truth, within(0.02));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        m.write(new DataOutputStream(bytes));
        DelayModel back = DelayModel.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), WINDOW,
                ELAPSED);
        assertThat(back.survival()).isEqualTo(m.survival());
        assertThat(back.conversions()).isEqualTo(m.conversions());
        assertThat(back.clicks()).isEqualTo(m.clicks());
    }

    @Test
    void notReadyReportsEveryPositiveLateAndRejectsUnknownVersions() throws Exception {
        DelayModel m = new DelayModel(WINDOW, ELAPSED);
        m.observeClick(0);
        m.observeConversion(5 * MIN, ELAPSED);
        assertThat(m.ready()).isFalse();
        assertThat(m.survival()).isEqualTo(1.0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new DataOutputStream(bytes).writeInt(99);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DelayModel.read(
                new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), WINDOW, ELAPSED))
                .hasMessageContaining("unknown version 99");
    }
}
