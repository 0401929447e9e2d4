package io.counterflow.operators.batch;

import static io.counterflow.operators.batch.BatcherHarness.CLICKED;
import static io.counterflow.operators.batch.BatcherHarness.CONVERTED;
import static io.counterflow.operators.batch.BatcherHarness.UNCLICKED;
import static io.counterflow.operators.batch.BatcherHarness.kind;
import static io.counterflow.operators.batch.BatcherHarness.mixed;
import static io.counterflow.operators.batch.BatcherHarness.plain;
import static io.counterflow.operators.batch.BatcherHarness.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.LabeledSample;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Harness tests of {@link MiniBatcher}'s mixing buffer: the draw rule, the timer and end-of-input rules, restore
 * and rescale, and how far a burst of one label kind is spread (with the numbers docs/batching.md quotes).
 */
class MixingBufferTest {
    private static final long HOUR = 3_600_000;

    @Test
    void aFullBufferEmitsOneBatchDrawnFromEverythingBuffered() throws Exception {
        try (BatcherHarness b = BatcherHarness.open(mixed(4, HOUR, 3, 1L), null)) {
            b.addRange(0, 11);
            assertThat(b.batches()).isEmpty();
            assertThat(b.operator.buffered()).isEqualTo(11);
            b.add(11);
            assertThat(b.batches()).hasSize(1);
            assertThat(b.batches().get(0)).hasSize(4).doesNotHaveDuplicates().allMatch(n -> n >= 0 && n < 12);
            assertThat(b.operator.buffered()).isEqualTo(8);
            b.addRange(12, 16);
            assertThat(b.batches()).hasSize(2);
            assertThat(b.operator.buffered()).isEqualTo(8);
        }
    }

    @Test
    void everyBufferedSampleIsEquallyLikelyToBeDrawn() throws Exception {
        // Each draw takes B of exactly M buffered samples, so the number of draws a sample survives is geometric:
        // P(W = w) = (1 − p)^w p with p = B / M, mean k − 1. A draw that favoured new or old samples would not be.
        int size = 8;
        int k = 4;
        int n = 40_000;
        List<Integer> drawOfArrival = new ArrayList<>();
        long[] waits = new long[n];
        try (BatcherHarness b = BatcherHarness.open(mixed(size, HOUR, k, 3L), null)) {
            for (int i = 0; i < n; i++) {
                drawOfArrival.add(b.harness.getOutput().size()); // the first draw sample i can be in
                b.add(i);
            }
            List<List<Integer>> batches = b.batches();
            for (int d = 0; d < batches.size(); d++) {
                for (int id : batches.get(d)) {
                    waits[id] = d - drawOfArrival.get(id);
                }
            }
        }
        int steady = n - size * k * 4; // samples surely drawn by count triggers (not left for end of input)
        double mean = 0;
        double first = 0;
        for (int i = 0; i < steady; i++) {
            mean += waits[i];
            first += waits[i] == 0 ? 1 : 0;
        }
        mean /= steady;
        first /= steady;
        // sd of the mean: sqrt(1 − p) / p / sqrt(n) ≈ 0.018; of the share drawn at once: ≈ 0.0023
        assertThat(mean).isCloseTo(k - 1, org.assertj.core.data.Offset.offset(0.1));
        assertThat(first).isCloseTo(1.0 / k, org.assertj.core.data.Offset.offset(0.012));
    }

    @Test
    void theSameSeedDrawsTheSameBatchesAndAnotherSeedOthers() throws Exception {
        assertThat(run(mixed(4, HOUR, 3, 5L), 100)).isEqualTo(run(mixed(4, HOUR, 3, 5L), 100))
                .isNotEqualTo(run(mixed(4, HOUR, 3, 6L), 100));
    }

    @Test
    void endOfInputDrainsEverythingInShuffledBatches() throws Exception {
        for (int n : new int[] {1, 7, 8, 29, 31, 32, 100}) {
            try (BatcherHarness b = BatcherHarness.open(mixed(8, HOUR, 4, 2L), null)) {
                b.addRange(0, n);
                b.harness.endInput();
                List<List<Integer>> batches = b.batches();
                assertThat(batches.stream().flatMap(List::stream)).as("n=%d", n).hasSize(n).doesNotHaveDuplicates();
                // full batches, then one smaller one
                for (int i = 0; i < batches.size() - 1; i++) {
                    assertThat(batches.get(i)).hasSize(8);
                }
                assertThat(b.operator.buffered()).isZero();
                assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isZero();
            }
        }
        // the drained batches are mixed, not arrival-order chunks
        try (BatcherHarness b = BatcherHarness.open(mixed(8, HOUR, 4, 2L), null)) {
            b.addRange(0, 31);
            b.harness.endInput();
            assertThat(b.batches().get(0)).isNotEqualTo(List.of(0, 1, 2, 3, 4, 5, 6, 7));
        }
    }

    @Test
    void theTimerEmitsOneBatchPerMaxDelayWhileSamplesAreBuffered() throws Exception {
        try (BatcherHarness b = BatcherHarness.open(mixed(4, 1000, 3, 1L), null)) {
            b.time(0).addRange(0, 11); // below M = 12: nothing yet
            assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isEqualTo(1);
            b.time(999);
            assertThat(b.batches()).isEmpty();
            b.time(1000);
            assertThat(b.batches()).hasSize(1);
            assertThat(b.operator.buffered()).isEqualTo(7);
            b.time(1999);
            assertThat(b.batches()).hasSize(1);
            b.time(2000);
            assertThat(b.operator.buffered()).isEqualTo(3);
            b.time(3000);
            assertThat(b.operator.buffered()).isZero();
            assertThat(b.batches()).extracting(List::size).containsExactly(4, 4, 3);
            assertThat(b.batches().stream().flatMap(List::stream)).hasSize(11).doesNotHaveDuplicates();
            assertThat(b.harness.getProcessingTimeService().getNumActiveTimers()).isZero();
            // idle until a new sample arrives; its timer starts at its arrival
            b.time(10_000).add(11).time(10_999);
            assertThat(b.batches()).hasSize(3);
            b.time(11_000);
            assertThat(b.batches()).hasSize(4).last().isEqualTo(List.of(11));
        }
    }

    @Test
    void aCountTriggeredBatchRestartsTheTimer() throws Exception {
        try (BatcherHarness b = BatcherHarness.open(mixed(4, 1000, 2, 1L), null)) {
            b.time(0).addRange(0, 7).time(900).add(7); // M = 8 reached at 900: one batch, 4 left
            assertThat(b.batches()).hasSize(1);
            b.time(1000);
            assertThat(b.batches()).hasSize(1); // the deadline moved to 1900
            b.time(1900);
            assertThat(b.batches()).hasSize(2);
            assertThat(b.operator.buffered()).isZero();
        }
    }

    @Test
    void snapshotRestoreAndContinueDrawsExactlyTheBatchesOfAnUninterruptedRun() throws Exception {
        MiniBatchSettings s = mixed(4, HOUR, 3, 11L);
        int n = 60;
        List<List<Integer>> uninterrupted = run(s, n);
        for (int cut = 0; cut <= n; cut += 3) {
            List<List<Integer>> out = new ArrayList<>();
            OperatorSubtaskState snap;
            try (BatcherHarness b = BatcherHarness.open(s, null)) {
                b.addRange(0, cut);
                snap = b.snapshot();
                b.addRange(cut, cut + 5); // what happens after the checkpoint is lost with the failure
                out.addAll(b.batches().subList(0, batchesBefore(s, cut)));
            }
            try (BatcherHarness b = BatcherHarness.open(s, snap)) {
                assertThat(b.operator.buffered()).isEqualTo(cut < 12 ? cut : 8 + (cut - 12) % 4);
                b.addRange(cut, n);
                b.harness.endInput();
                out.addAll(b.batches());
            }
            assertThat(out).as("cut after %d samples", cut).isEqualTo(uninterrupted);
        }
    }

    @Test
    void aRestoreAtTheSameParallelismGivesEachSubtaskItsOwnBufferAndDraws() throws Exception {
        MiniBatchSettings s = mixed(4, HOUR, 3, 11L);
        int p = 2;
        List<List<List<Integer>>> uninterrupted = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            try (BatcherHarness b = BatcherHarness.open(s, null, p, i)) {
                addSubtaskRange(b, i, p, 0, 50);
                b.harness.endInput();
                uninterrupted.add(b.batches());
            }
        }
        List<OperatorSubtaskState> snaps = new ArrayList<>();
        List<List<List<Integer>>> out = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            try (BatcherHarness b = BatcherHarness.open(s, null, p, i)) {
                addSubtaskRange(b, i, p, 0, 21);
                snaps.add(b.snapshot());
                out.add(new ArrayList<>(b.batches()));
            }
        }
        for (int i = 0; i < p; i++) {
            try (BatcherHarness b = BatcherHarness.open(s, BatcherHarness.rescale(snaps, p, i), p, i)) {
                addSubtaskRange(b, i, p, 21, 50);
                b.harness.endInput();
                out.get(i).addAll(b.batches());
            }
        }
        assertThat(out).isEqualTo(uninterrupted);
        assertThat(uninterrupted.get(0)).isNotEqualTo(uninterrupted.get(1)); // subtasks draw differently
    }

    @ParameterizedTest(name = "parallelism {0} -> {1}")
    @CsvSource({"1, 2", "2, 3", "3, 2", "3, 1", "2, 1", "4, 4"})
    void aRescaleRedistributesTheBufferAndEmitsEverySampleExactlyOnce(int oldP, int newP) throws Exception {
        MiniBatchSettings s = mixed(8, HOUR, 4, 21L); // M = 32
        List<Integer> emitted = new ArrayList<>();
        List<OperatorSubtaskState> snaps = new ArrayList<>();
        int buffered = 0;
        int next = 0;
        for (int i = 0; i < oldP; i++) {
            try (BatcherHarness b = BatcherHarness.open(s, null, oldP, i)) {
                int n = 100 + 7 * i; // each subtask a different share, so the buffers differ in size
                b.addRange(next, next + n);
                next += n;
                snaps.add(b.snapshot());
                buffered += b.operator.buffered();
                b.batches().forEach(emitted::addAll);
            }
        }
        int restored = 0;
        for (int i = 0; i < newP; i++) {
            try (BatcherHarness b = BatcherHarness.open(s, BatcherHarness.rescale(snaps, newP, i), newP, i)) {
                // a restored buffer of M or more (scale-in) is drawn down at once, below M
                assertThat(b.operator.buffered()).isLessThan(32);
                restored += b.operator.buffered() + 8 * b.batches().size();
                b.addRange(next, next + 40);
                next += 40;
                b.harness.endInput();
                b.batches().forEach(emitted::addAll);
            }
        }
        assertThat(restored).isEqualTo(buffered);
        assertThat(emitted).hasSize(next).doesNotHaveDuplicates();
        int total = next;
        assertThat(new HashSet<>(emitted)).hasSize(total).allMatch(id -> id >= 0 && id < total);
    }

    @Test
    void theInitialGeneratorStateContinuesARestoredOneAndDiffersPerSubtask() {
        assertThat(MiniBatcher.initialRngState(1L, 0, List.of(42L))).isEqualTo(42L);
        long fresh0 = MiniBatcher.initialRngState(1L, 0, List.of());
        assertThat(MiniBatcher.initialRngState(1L, 0, List.of())).isEqualTo(fresh0);
        assertThat(MiniBatcher.initialRngState(1L, 1, List.of())).isNotEqualTo(fresh0);
        assertThat(MiniBatcher.initialRngState(2L, 0, List.of())).isNotEqualTo(fresh0);
        assertThat(MiniBatcher.initialRngState(1L, 0, List.of(3L, 4L)))
                .isEqualTo(MiniBatcher.initialRngState(1L, 0, List.of(3L, 4L))).isNotEqualTo(fresh0);
    }

    @Test
    void withoutMixingBatchesAreArrivalOrderChunks() throws Exception {
        try (BatcherHarness b = BatcherHarness.open(plain(8, HOUR), null)) {
            b.addRange(0, 100);
            b.harness.endInput();
            List<List<Integer>> batches = b.batches();
            assertThat(batches).hasSize(13);
            for (int i = 0; i < batches.size(); i++) {
                List<Integer> expected = new ArrayList<>();
                for (int j = 8 * i; j < Math.min(100, 8 * i + 8); j++) {
                    expected.add(j);
                }
                assertThat(batches.get(i)).isEqualTo(expected);
            }
        }
    }

    /**
     * A burst of N clicked-unconverted samples (what closing attribution windows release at once) after and
     * before a mixed stream (70 % unclicked, 20 % clicked, 10 % converted), B = 64. Without the buffer the burst
     * is N / B pure batches. With M = 8 B = 512 the burst kind's share of a batch is bounded while N ≤ M, near
     * the prediction 1 − 0.8 (1 − 1/k)^(N/B) at the end of the burst (the buffer's mean share then; a batch of 64
     * adds binomial noise of sd ≈ 0.06, and the maximum over many batches a few of those); a burst far longer than M cannot be mixed
     * with samples that have not arrived, and its middle batches are pure again.
     */
    @Test
    void aBurstOfOneKindIsSpreadOverTheFollowingBatches() throws Exception {
        int size = 64;
        System.out.println("burst  end-of-input  k   max-share  batches>50%  batches-with-burst  predicted-max");
        for (boolean atEnd : new boolean[] {false, true}) {
            for (int n : new int[] {256, 512, 2048}) {
                BurstStats none = burst(plain(size, HOUR), n, atEnd);
                BurstStats k8 = burst(mixed(size, HOUR, 8, 1L), n, atEnd);
                BurstStats k32 = burst(mixed(size, HOUR, 32, 1L), n, atEnd);
                double predicted8 = 1 - 0.8 * Math.pow(1 - 1.0 / 8, (double) n / size);
                double predicted32 = 1 - 0.8 * Math.pow(1 - 1.0 / 32, (double) n / size);
                System.out.println(none.row(n, atEnd, 0, 1.0));
                System.out.println(k8.row(n, atEnd, 8, predicted8));
                System.out.println(k32.row(n, atEnd, 32, predicted32));

                assertThat(none.maxShare).isEqualTo(1.0);
                assertThat(none.batchesWithBurst).isBetween(n / size, n / size + 2);
                // spread over at least the (N + M) / B batches it takes to push the burst through the buffer
                assertThat(k8.batchesWithBurst).isGreaterThanOrEqualTo((n + 8 * size) / size - 1);
                if (!atEnd) {
                    assertThat(k8.batchesWithBurst).isGreaterThan(2 * none.batchesWithBurst);
                }
                assertThat(k32.maxShare).isLessThanOrEqualTo(k8.maxShare);
                if (n <= 512) {
                    assertThat(k8.maxShare).isLessThanOrEqualTo(predicted8 + 0.2);
                    assertThat(k8.maxShare).isLessThan(0.9);
                    assertThat(k32.maxShare).isLessThan(0.6);
                }
                if (n <= 2048) {
                    assertThat(k32.maxShare).isLessThanOrEqualTo(predicted32 + 0.2);
                }
            }
        }
    }

    private record BurstStats(double maxShare, int batchesOverHalf, int batchesWithBurst) {
        String row(int n, boolean atEnd, int k, double predicted) {
            return String.format(Locale.ROOT, "%5d  %-12s  %2d  %9.3f  %11d  %18d  %13.3f", n, atEnd, k, maxShare,
                    batchesOverHalf, batchesWithBurst, predicted);
        }
    }

    /** 4000 mixed samples, N clicked-unconverted ones, then 4000 mixed ones unless the burst ends the input. */
    private static BurstStats burst(MiniBatchSettings s, int n, boolean atEnd) throws Exception {
        Random kinds = new Random(17);
        int mixedBefore = 4000;
        int mixedAfter = atEnd ? 0 : 4000;
        double max = 0;
        int over = 0;
        int withBurst = 0;
        try (BatcherHarness b = BatcherHarness.open(s, null)) {
            int id = 0;
            for (int i = 0; i < mixedBefore; i++) {
                b.add(sample(id++, mixedKind(kinds)));
            }
            for (int i = 0; i < n; i++) {
                b.add(sample(id++, CLICKED));
            }
            for (int i = 0; i < mixedAfter; i++) {
                b.add(sample(id++, mixedKind(kinds)));
            }
            b.harness.endInput();
            for (SampleBatch batch : b.output()) {
                int clicked = 0;
                boolean burst = false;
                for (LabeledSample x : batch.samples) {
                    clicked += kind(x) == CLICKED ? 1 : 0;
                    burst |= x.ts >= mixedBefore && x.ts < mixedBefore + n;
                }
                double share = (double) clicked / batch.count;
                if (batch.count == s.batchSize()) { // the last, smaller batch of a drain is noise
                    max = Math.max(max, share);
                }
                over += share > 0.5 ? 1 : 0;
                withBurst += burst ? 1 : 0;
            }
        }
        return new BurstStats(max, over, withBurst);
    }

    private static int mixedKind(Random r) {
        double u = r.nextDouble();
        return u < 0.7 ? UNCLICKED : u < 0.9 ? CLICKED : CONVERTED;
    }

    /** Batches a run of {@code s} emits by count triggers before sample {@code n} arrives. */
    private static int batchesBefore(MiniBatchSettings s, int n) {
        int m = s.mixingBuffer();
        return n < m ? 0 : 1 + (n - m) / s.batchSize();
    }

    private static List<List<Integer>> run(MiniBatchSettings s, int n) throws Exception {
        try (BatcherHarness b = BatcherHarness.open(s, null)) {
            b.addRange(0, n);
            b.harness.endInput();
            return b.batches();
        }
    }

    /** Samples {@code from..to} of subtask {@code i}'s own sequence (ids i, i + p, ...). */
    private static void addSubtaskRange(BatcherHarness b, int i, int p, int from, int to) throws Exception {
        for (int j = from; j < to; j++) {
            b.add(j * p + i);
        }
    }
}
