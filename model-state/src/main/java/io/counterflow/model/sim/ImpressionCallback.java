package io.counterflow.model.sim;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;

import java.io.IOException;

/** Receives each generated impression, in impression (event-time) order, with its outcome. */
@FunctionalInterface
public interface ImpressionCallback {
    /**
     * One impression: {@code click} is its click event or null (a click later than the click window is still
     * an event, but {@code sample.click} is 0 then); {@code conversion} its conversion event or null;
     * {@code sample} the labeled sample the event-time join must produce. The impression and its sample share
     * their {@code features} and {@code truth} objects: treat them as read-only.
     */
    void accept(Impression impression, Click click, Conversion conversion, LabeledSample sample) throws IOException;
}
