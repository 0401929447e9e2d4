package io.counterflow.model.backend;

import static io.counterflow.model.backend.ParityFixture.ELEMENTWISE_EXACT;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The host-built occurrence lists of the CUDA embedding backward: replaying {@code cf_embed_backward}'s loop in
 * Java (per unique row, occurrences in list order, acc = acc + scale · dX) must give the Java reference's
 * gradient rows bit for bit, on batches with repeated rows, a value twice in one pool and an empty pool. This
 * checks the algorithm of the device kernel without a device.
 */
class OccurrenceIndexTest {

    @ParameterizedTest(name = "n={0} dim={1}")
    @CsvSource({"24,1", "24,4", "200,16", "3,16"})
    void replayingTheListsInOrderReproducesTheReferenceScatterAdd(int n, int dim) {
        FeatureSpace space = ParityFixture.space(dim);
        EncodedBatch b = ParityFixture.batch(space, n, 5);
        int width = space.inputWidth();
        float[] dx = ParityFixture.values(n * width, new SplittableRandom(n * 31L + dim), -1, 1);

        OccurrenceIndex idx = new OccurrenceIndex();
        idx.build(b);
        assertThat(idx.rows).isEqualTo(b.uniqueCount);
        assertThat(idx.fields).isEqualTo(b.catFields + b.multiFields);
        assertThat(idx.start[0]).isZero();
        assertThat(idx.start[b.uniqueCount]).isEqualTo(idx.occurrences);
        int expectedOccurrences = n * b.catFields + b.mvStart[n * b.multiFields];
        assertThat(idx.occurrences).isEqualTo(expectedOccurrences);

        float[] replay = new float[b.uniqueCount * dim];
        for (int u = 0; u < b.uniqueCount; u++) {
            assertThat(idx.start[u + 1]).as("row %d has an occurrence", u).isGreaterThan(idx.start[u]);
            for (int d = 0; d < dim; d++) {
                float acc = 0f;
                for (int o = idx.start[u]; o < idx.start[u + 1]; o++) {
                    int i = idx.key[o] / idx.fields;
                    int fs = idx.key[o] % idx.fields;
                    acc = acc + idx.scale[o] * dx[i * width + fs * dim + d];
                }
                replay[u * dim + d] = acc;
            }
        }

        try (Backend ref = Backends.create("java")) {
            Tensor tdx = ref.allocate(n, width);
            ref.upload(dx, 0, tdx);
            Tensor g = ref.allocate(b.uniqueCount, dim);
            ref.uploadBatch(b);
            ref.embedBackward(tdx, b, g);
            FloatBuffer gb = CpuBackend.hostBuffer(g);
            float[] expected = new float[b.uniqueCount * dim];
            gb.get(0, expected);
            ParityFixture.assertClose("replayed occurrence lists", replay, expected, ELEMENTWISE_EXACT);
        }

        // Rebuilding for a smaller batch reuses the arrays and leaves a consistent index.
        EncodedBatch small = ParityFixture.batch(space, 3, 9);
        idx.build(small);
        assertThat(idx.start[small.uniqueCount]).isEqualTo(idx.occurrences);
    }
}
