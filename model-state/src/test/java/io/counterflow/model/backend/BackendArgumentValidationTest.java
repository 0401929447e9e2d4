package io.counterflow.model.backend;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.settings.Settings;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wrong arguments fail fast on every backend with an {@link IllegalArgumentException} whose message starts with
 * the kernel's name (so a bad shape deep in a training step says where it happened), before any kernel runs.
 */
class BackendArgumentValidationTest {
    private static final String BACKENDS = "io.counterflow.model.backend.ParityFixture#backendNames";

    private static void rejects(String kernel, ThrowingCallable call) {
        assertThatThrownBy(call).as(kernel).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(kernel + ":");
    }

    private static void withBackend(String name, Consumer<Backend> body) {
        try (Backend be = ParityFixture.createOrSkip(name)) {
            body.accept(be);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void memoryKernelsRejectBadArguments(String backend) {
        withBackend(backend, be -> {
            Tensor t = be.allocate(3, 4);
            rejects("allocate", () -> be.allocate(0, 4));
            rejects("allocate", () -> be.allocate(3, -1));
            rejects("allocate", () -> be.allocate(1 << 16, 1 << 16));
            rejects("upload", () -> be.upload(new float[11], 0, t));
            rejects("upload", () -> be.upload(new float[12], 1, t));
            rejects("upload", () -> be.upload(new float[12], -1, t));
            rejects("download", () -> be.download(t, new float[12], 1));
            rejects("fill", () -> be.fill(null, 1f));
            rejects("copy", () -> be.copy(t, be.allocate(4, 3)));
            rejects("copy", () -> be.copy(t, be.allocate(3, 4).setRows(2)));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void denseKernelsRejectBadShapes(String backend) {
        withBackend(backend, be -> {
            Tensor a = be.allocate(5, 3);
            Tensor b = be.allocate(3, 4);
            Tensor c = be.allocate(5, 4);
            rejects("gemm", () -> be.gemm(false, false, 1f, a, a, 0f, c));
            rejects("gemm", () -> be.gemm(true, false, 1f, a, b, 0f, c));
            rejects("gemm", () -> be.gemm(false, true, 1f, a, b, 0f, c));
            rejects("gemm", () -> be.gemm(false, false, 1f, a, b, 0f, be.allocate(4, 5)));
            rejects("gemm", () -> be.gemm(false, false, 1f, a, b, 0f, be.allocate(5, 4).setRows(3)));
            rejects("addBias", () -> be.addBias(c, be.allocate(1, 3)));
            rejects("addBias", () -> be.addBias(c, be.allocate(2, 4)));
            rejects("reluBackward", () -> be.reluBackward(c, a));
            rejects("sumRows", () -> be.sumRows(c, 0f, be.allocate(1, 5)));
            rejects("sumRows", () -> be.sumRows(c, 0f, be.allocate(2, 4)));
            rejects("softmaxBackward", () -> be.softmaxBackward(c, a));
            Tensor e = be.allocate(5, 8);
            Tensor g = be.allocate(5, 2);
            Tensor out = be.allocate(5, 4);
            rejects("mixExperts", () -> be.mixExperts(e, g, be.allocate(5, 3)));
            rejects("mixExperts", () -> be.mixExperts(e, be.allocate(4, 2), out));
            rejects("mixExpertsBackward", () -> be.mixExpertsBackward(e, g, out, 0f, be.allocate(5, 7), g));
            rejects("mixExpertsBackward", () -> be.mixExpertsBackward(e, g, out, 0f, e, be.allocate(5, 3)));
            rejects("adam", () -> be.adam(a, b, a, a, new AdamStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0f)));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void batchKernelsRejectBadShapes(String backend) {
        withBackend(backend, be -> {
            FeatureSpace space = ParityFixture.space(4);
            EncodedBatch batch = ParityFixture.batch(space, 10, 1);
            Tensor table = be.allocate(space.tableRows(), 4);
            Tensor x = be.allocate(10, space.inputWidth());
            Tensor grads = be.allocate(batch.uniqueCount, 4);
            AdamStep s = new AdamStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0f);
            rejects("embed", () -> be.embed(table, batch, be.allocate(10, space.inputWidth() + 1)));
            rejects("embed", () -> be.embed(table, batch, be.allocate(11, space.inputWidth())));
            rejects("embed", () -> be.embed(be.allocate(space.tableRows(), 5), batch, x));
            rejects("embedBackward", () -> be.embedBackward(x, batch, be.allocate(batch.uniqueCount - 1, 4)));
            rejects("embedBackward", () -> be.embedBackward(be.allocate(9, space.inputWidth()), batch, grads));
            rejects("sparseAdam", () -> be.sparseAdam(table, be.allocate(3, 4), table, grads, batch, s));
            rejects("sparseAdam", () -> be.sparseAdam(table, table, table, be.allocate(2, 4), batch, s));
            rejects("sparseAdagrad", () -> be.sparseAdagrad(table, be.allocate(space.tableRows(), 3), grads,
                    batch, s));
            EncodedBatch empty = new EncodedBatch(4, 2, 1, 1);
            rejects("uploadBatch", () -> be.uploadBatch(empty));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(BACKENDS)
    void tensorsOfAnotherBackendAreRejected(String backend) {
        withBackend(backend, be -> {
            try (Backend other = Backends.create("java")) {
                Tensor mine = be.allocate(2, 2);
                Tensor theirs = other.allocate(2, 2);
                rejects("copy", () -> be.copy(theirs, mine));
                rejects("relu", () -> be.relu(theirs));
                rejects("softmaxRows", () -> be.softmaxRows(theirs));
                rejects("gemm", () -> be.gemm(false, false, 1f, mine, theirs, 0f, mine));
            }
        });
    }
}
