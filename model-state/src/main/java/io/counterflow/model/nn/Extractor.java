package io.counterflow.model.nn;

import io.counterflow.model.backend.Tensor;

/**
 * The shared part between the embedding input x and the towers: it gives each task's tower its input and
 * back-propagates the towers' input gradients into ∂L/∂x.
 */
interface Extractor extends AutoCloseable {

    /** Computes every task's tower input from x (its active rows). */
    void forward(Tensor x);

    /** Task t's tower input, after {@link #forward}. */
    Tensor output(int task);

    /**
     * Where task t's tower writes ∂L/∂(its input), overwriting it; null when the tower input is x itself, so the
     * tower accumulates straight into ∂L/∂x.
     */
    Tensor outputGradient(int task);

    /**
     * Adds the extractor's part to dx, given every {@link #outputGradient}: dx = (dxWritten ? dx : 0) + ...,
     * and fills the extractor's own parameter gradients.
     */
    void backward(Tensor x, Tensor dx, boolean dxWritten);

    @Override
    void close();

    /** The embedding concatenation feeds every tower (ESMM's shared bottom). */
    final class SharedBottom implements Extractor {
        private Tensor x;

        @Override
        public void forward(Tensor x) {
            this.x = x;
        }

        @Override
        public Tensor output(int task) {
            return x;
        }

        @Override
        public Tensor outputGradient(int task) {
            return null;
        }

        @Override
        public void backward(Tensor x, Tensor dx, boolean dxWritten) {}

        @Override
        public void close() {}
    }
}
