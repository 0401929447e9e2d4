package io.counterflow.model.backend;

import static io.counterflow.model.backend.ParityFixture.ELEMENTWISE_EXACT;
import static io.counterflow.model.backend.ParityFixture.assertParity;
import static io.counterflow.model.backend.ParityFixture.full;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.ParityFixture.Twin;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimiser kernels on every backend against the Java reference: dense Adam, lazy (sparse) Adam and
 * sparse Adagrad on the batch's unique rows, with L2 on and off, over several steps (bias corrections change).
 * Rows the batch does not touch must stay exactly as they were.
 */
class OptimiserParityTest {
    private static final String BACKENDS = "io.counterflow.model.backend.ParityFixture#backendNames";

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void adam(String backend) {
        SplittableRandom rnd = new SplittableRandom(21);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            for (float l2 : new float[] {0f, 0.01f}) {
                Twin w = fx.random(17, 9, rnd, -1, 1);
                Twin m = fx.random(17, 9, rnd, -0.1, 0.1);
                Twin v = fx.random(17, 9, rnd, 0, 0.01);
                AdamStep s = new AdamStep(0.01f, 0.9f, 0.999f, 1e-8f, l2);
                for (int t = 1; t <= 3; t++) {
                    Twin g = fx.random(17, 9, rnd, -1, 1);
                    s.forStep(t);
                    fx.ref.adam(w.ref, g.ref, m.ref, v.ref, s);
                    fx.sub.adam(w.sub, g.sub, m.sub, v.sub, s);
                }
                assertParity("adam w l2=" + l2, w, ELEMENTWISE_EXACT);
                assertParity("adam m l2=" + l2, m, ELEMENTWISE_EXACT);
                assertParity("adam v l2=" + l2, v, ELEMENTWISE_EXACT);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void sparseAdamUpdatesOnlyTheBatchRows(String backend) {
        SplittableRandom rnd = new SplittableRandom(22);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            FeatureSpace space = ParityFixture.space(4);
            EncodedBatch b = ParityFixture.batch(space, 24, 7);
            int rows = space.tableRows();
            Twin table = fx.random(rows, 4, rnd, -1, 1);
            float[] before = full(table.ref);
            Twin m = fx.random(rows, 4, rnd, -0.1, 0.1);
            Twin v = fx.random(rows, 4, rnd, 0, 0.01);
            AdamStep s = new AdamStep(0.05f, 0.9f, 0.999f, 1e-8f, 0.001f);
            fx.ref.uploadBatch(b);
            fx.sub.uploadBatch(b);
            for (int t = 1; t <= 3; t++) {
                Twin g = fx.random(b.uniqueCount + 2, 4, rnd, -1, 1);
                s.forStep(t);
                fx.ref.sparseAdam(table.ref, m.ref, v.ref, g.ref, b, s);
                fx.sub.sparseAdam(table.sub, m.sub, v.sub, g.sub, b, s);
            }
            assertParity("sparseAdam table", table, ELEMENTWISE_EXACT);
            assertParity("sparseAdam m", m, ELEMENTWISE_EXACT);
            assertParity("sparseAdam v", v, ELEMENTWISE_EXACT);
            assertUntouchedRowsKept(b, before, full(table.sub), 4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void sparseAdagradUpdatesOnlyTheBatchRows(String backend) {
        SplittableRandom rnd = new SplittableRandom(23);
        try (ParityFixture fx = ParityFixture.open(backend)) {
            FeatureSpace space = ParityFixture.space(4);
            EncodedBatch b = ParityFixture.batch(space, 24, 9);
            int rows = space.tableRows();
            Twin table = fx.random(rows, 4, rnd, -1, 1);
            float[] before = full(table.ref);
            Twin acc = fx.random(rows, 4, rnd, 0, 0.1);
            AdamStep s = new AdamStep(0.05f, 0.9f, 0.999f, 1e-8f, 0.001f);
            fx.ref.uploadBatch(b);
            fx.sub.uploadBatch(b);
            for (int t = 1; t <= 3; t++) {
                Twin g = fx.random(b.uniqueCount, 4, rnd, -1, 1);
                fx.ref.sparseAdagrad(table.ref, acc.ref, g.ref, b, s);
                fx.sub.sparseAdagrad(table.sub, acc.sub, g.sub, b, s);
            }
            assertParity("sparseAdagrad table", table, ELEMENTWISE_EXACT);
            assertParity("sparseAdagrad acc", acc, ELEMENTWISE_EXACT);
            assertUntouchedRowsKept(b, before, full(table.sub), 4);
        }
    }

    private static void assertUntouchedRowsKept(EncodedBatch b, float[] before, float[] after, int dim) {
        boolean[] touched = new boolean[before.length / dim];
        for (int u = 0; u < b.uniqueCount; u++) {
            touched[b.uniqueRows[u]] = true;
        }
        int changed = 0;
        for (int r = 0; r < touched.length; r++) {
            for (int d = 0; d < dim; d++) {
                if (touched[r]) {
                    changed += before[r * dim + d] != after[r * dim + d] ? 1 : 0;
                } else {
                    assertThat(after[r * dim + d]).as("untouched row %d", r).isEqualTo(before[r * dim + d]);
                }
            }
        }
        assertThat(changed).as("touched rows moved").isGreaterThan(0);
    }
}
