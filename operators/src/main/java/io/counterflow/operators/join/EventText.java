package io.counterflow.operators.join;

import java.nio.charset.StandardCharsets;

/** How the join re-encodes a rejected event into {@code DeadLetter.original}. */
final class EventText {
    private EventText() {}

    /** A short textual form of the event, UTF-8 (the codec's JSON once it is available). */
    static byte[] encode(JoinEvent e) {
        return e.toString().getBytes(StandardCharsets.UTF_8);
    }
}
