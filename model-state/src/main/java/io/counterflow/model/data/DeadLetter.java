package io.counterflow.model.data;

import java.util.Objects;

/**
 * A record that could not be used, with where it came from and why. {@code original} holds the record's
 * original bytes (UTF-8 JSON for events), so nothing is lost and it can be replayed after a fix.
 */
public final class DeadLetter {
    /** Kafka topic, file name, or the operator that rejected it (e.g. {@code label-join}). */
    public String source;
    /** Kafka partition, or -1 outside Kafka. */
    public int partition = -1;
    /** Kafka offset or 1-based line number; -1 when unknown. */
    public long offset = -1;
    public BadInputReason reason;
    /** Human-readable detail (which field, which value). */
    public String detail;
    public byte[] original;

    public DeadLetter() {}

    public DeadLetter(String source, int partition, long offset, BadInputReason reason, String detail,
            byte[] original) {
        this.source = source;
        this.partition = partition;
        this.offset = offset;
        this.reason = reason;
        this.detail = detail;
        this.original = original;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeadLetter)) {
            return false;
        }
        DeadLetter d = (DeadLetter) o;
        return partition == d.partition && offset == d.offset && reason == d.reason
                && Objects.equals(source, d.source) && Objects.equals(detail, d.detail)
                && java.util.Arrays.equals(original, d.original);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, partition, offset, reason);
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + " " + source + "[" + partition + "]@" + offset + ": " + detail + "}";
    }
}
