package io.counterflow.model.backend;

import static io.counterflow.model.backend.ParityFixture.ELEMENTWISE_EXACT;
import static io.counterflow.model.backend.ParityFixture.assertParity;
import static io.counterflow.model.backend.ParityFixture.full;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.ParityFixture.Twin;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code embed} and {@code embedBackward} on every backend against the Java reference, on batches with
 * multi-valued fields (1–3 values), a value repeated inside one pool, an empty pool, and table rows shared by
 * many samples, so that the scatter-add of the backward pass sees repeated rows.
 */
class EmbeddingParityTest {
    private static final String BACKENDS = "io.counterflow.model.backend.ParityFixture#backendNames";

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void embedGathersAndPools(String backend) {
        SplittableRandom rnd = new SplittableRandom(11);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (int dim : new int[] {1, 4, 16}) {
                FeatureSpace space = ParityFixture.space(dim);
                EncodedBatch b = ParityFixture.batch(space, 20, 3);
                Twin table = fx.random(space.tableRows(), dim, rnd, -1, 1);
                Twin x = fx.filled(b.n + 4, space.inputWidth(), Float.NaN).setRows(b.n);
                fx.ref.uploadBatch(b);
                fx.sub.uploadBatch(b);
                fx.ref.embed(table.ref, b, x.ref);
                fx.sub.embed(table.sub, b, x.sub);
                assertParity("embed dim=" + dim, x, ELEMENTWISE_EXACT);
                float[] xs = full(x.sub);
                assertThat(java.util.Arrays.copyOf(xs, b.n * space.inputWidth())).doesNotContain(Float.NaN);
                // Sample 1 has no multi-valued field: its pool is all zeros.
                int pool = 1 * space.inputWidth() + 2 * dim;
                for (int d = 0; d < dim; d++) {
                    assertThat(xs[pool + d]).as("empty pool").isEqualTo(0f);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void embedBackwardScatterAddsIntoUniqueRows(String backend) {
        SplittableRandom rnd = new SplittableRandom(12);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (int dim : new int[] {1, 4, 16}) {
                FeatureSpace space = ParityFixture.space(dim);
                EncodedBatch b = ParityFixture.batch(space, 24, 5);
                assertThat(b.uniqueCount).as("rows repeat across samples").isLessThan(b.n * 3);
                Twin dx = fx.random(b.n + 3, space.inputWidth(), rnd, -1, 1).setRows(b.n);
                Twin gradRows = fx.filled(b.uniqueCount + 5, dim, Float.NaN);
                fx.ref.uploadBatch(b);
                fx.sub.uploadBatch(b);
                fx.ref.embedBackward(dx.ref, b, gradRows.ref);
                fx.sub.embedBackward(dx.sub, b, gradRows.sub);
                assertParity("embedBackward dim=" + dim, gradRows, ELEMENTWISE_EXACT);

                // With dX = 1 every unique row's gradient is its number of occurrences (1/pool for pooled ones).
                Twin ones = fx.filled(b.n, space.inputWidth(), 1f);
                fx.sub.embedBackward(ones.sub, b, gradRows.sub);
                float[] counts = occurrences(b);
                float[] g = full(gradRows.sub);
                for (int s = 0; s < b.uniqueCount; s++) {
                    for (int d = 0; d < dim; d++) {
                        assertThat((double) g[s * dim + d]).as("row slot %d", s)
                                .isCloseTo(counts[s], org.assertj.core.data.Offset.offset(1e-5));
                    }
                }
            }
        }
    }

    /** Occurrences of each unique slot: 1 per categorical use, 1/poolSize per pooled use. */
    private static float[] occurrences(EncodedBatch b) {
        double[] c = new double[b.uniqueCount];
        for (int i = 0; i < b.n; i++) {
            for (int f = 0; f < b.catFields; f++) {
                c[b.catSlots[i * b.catFields + f]] += 1;
            }
            for (int f = 0; f < b.multiFields; f++) {
                int s0 = b.mvStart[i * b.multiFields + f];
                int s1 = b.mvStart[i * b.multiFields + f + 1];
                for (int s = s0; s < s1; s++) {
                    c[b.mvSlots[s]] += 1.0 / (s1 - s0);
                }
            }
        }
        float[] out = new float[c.length];
        for (int s = 0; s < c.length; s++) {
            out[s] = (float) c[s];
        }
        return out;
    }

    @Test
    void batchHasTheCasesThisClassClaims() {
        EncodedBatch b = ParityFixture.batch(ParityFixture.space(4), 24, 5);
        assertThat(b.mvStart[2] - b.mvStart[1]).as("sample 1: empty pool").isZero();
        int s0 = b.mvStart[2];
        assertThat(b.mvSlots[s0]).as("sample 2: one value twice in its pool").isEqualTo(b.mvSlots[s0 + 1]);
    }
}
