package io.counterflow.model.nn;

import io.counterflow.model.backend.Tensor;
import java.util.List;

/** A chain of {@link Dense} layers. An empty tower is the identity. */
final class Tower {
    final Dense[] layers;

    Tower(List<Dense> layers) {
        this.layers = layers.toArray(new Dense[0]);
    }

    Tensor forward(Tensor in) {
        Tensor t = in;
        for (Dense d : layers) {
            t = d.forward(t);
        }
        return t;
    }

    /** The last layer's output (the logit for a head). */
    Dense last() {
        return layers[layers.length - 1];
    }

    boolean isEmpty() {
        return layers.length == 0;
    }

    /**
     * Back-propagates the gradient already in the last layer's dy down to {@code dIn} (dIn = beta·dIn + ...);
     * {@code dIn} may be null when the input needs no gradient.
     */
    void backward(Tensor in, Tensor dIn, float beta) {
        for (int j = layers.length - 1; j >= 0; j--) {
            Tensor x = j == 0 ? in : layers[j - 1].y;
            Tensor dx = j == 0 ? dIn : layers[j - 1].dy;
            layers[j].backward(x, dx, j == 0 ? beta : 0f);
        }
    }
}
