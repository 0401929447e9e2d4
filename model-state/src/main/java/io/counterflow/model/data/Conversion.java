package io.counterflow.model.data;

import java.util.Objects;

/** {@code {"impression_id":..,"ts":..}}: one conversion of an impression (CONTRACT.md). */
public final class Conversion {
    public String impressionId;
    /** Event time, epoch milliseconds. */
    public long ts;

    public Conversion() {}

    public Conversion(String impressionId, long ts) {
        this.impressionId = impressionId;
        this.ts = ts;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Conversion && (((Conversion) o).ts == ts) && Objects.equals(((Conversion) o).impressionId, impressionId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(impressionId, ts);
    }

    @Override
    public String toString() {
        return "Conversion{impressionId=" + impressionId + ", ts=" + ts + "}";
    }
}
