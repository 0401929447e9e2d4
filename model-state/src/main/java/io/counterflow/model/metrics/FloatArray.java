package io.counterflow.model.metrics;

import java.util.Arrays;

/** A growable primitive float array (amortised O(1) append, no boxing). */
final class FloatArray {
    private float[] data = new float[1024];
    private int size;

    void add(float v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, size * 2);
        }
        data[size++] = v;
    }

    int size() {
        return size;
    }

    float get(int i) {
        return data[i];
    }

    /** The backing array; valid in [0, size()). */
    float[] array() {
        return data;
    }
}
