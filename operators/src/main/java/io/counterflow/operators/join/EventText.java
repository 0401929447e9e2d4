package io.counterflow.operators.join;

import io.counterflow.model.io.EventCodec;

/**
 * How the join re-encodes a rejected event into {@code DeadLetter.original}: the contract's JSON, UTF-8, so a
 * dead letter can be replayed into its topic after a fix. One instance per operator ({@link EventCodec} is not
 * thread-safe).
 */
final class EventText {
    private final EventCodec codec = new EventCodec();

    byte[] encode(JoinEvent e) {
        switch (e.kind) {
            case IMPRESSION:
                return codec.toUtf8(e.impression);
            case CLICK:
                return codec.toUtf8(e.click);
            case CONVERSION:
                return codec.toUtf8(e.conversion);
            default:
                throw new IllegalStateException("unknown kind " + e.kind);
        }
    }
}
