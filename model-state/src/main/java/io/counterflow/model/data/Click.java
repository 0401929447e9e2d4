package io.counterflow.model.data;

import java.util.Objects;

/** {@code {"impression_id":..,"ts":..}}: one click of an impression (CONTRACT.md). */
public final class Click {
    public String impressionId;
    /** Event time, epoch milliseconds. */
    public long ts;

    public Click() {}

    public Click(String impressionId, long ts) {
        this.impressionId = impressionId;
        this.ts = ts;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Click && (((Click) o).ts == ts) && Objects.equals(((Click) o).impressionId, impressionId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(impressionId, ts);
    }

    @Override
    public String toString() {
        return "Click{impressionId=" + impressionId + ", ts=" + ts + "}";
    }
}
