package io.counterflow.model.data;

import java.util.Objects;

/** {@code {"id":..,"ts":..,"features":{..},"truth":{..}?}}: one impression (CONTRACT.md). */
public final class Impression {
    public String id;
    /** Event time, epoch milliseconds. */
    public long ts;
    public Features features;
    /** Optional; {@code null} when the record carries none. */
    public Truth truth;

    public Impression() {}

    public Impression(String id, long ts, Features features, Truth truth) {
        this.id = id;
        this.ts = ts;
        this.features = features;
        this.truth = truth;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Impression)) {
            return false;
        }
        Impression i = (Impression) o;
        return ts == i.ts && Objects.equals(id, i.id) && Objects.equals(features, i.features)
                && Objects.equals(truth, i.truth);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, ts);
    }

    @Override
    public String toString() {
        return "Impression{id=" + id + ", ts=" + ts + ", " + features + ", " + truth + "}";
    }
}
