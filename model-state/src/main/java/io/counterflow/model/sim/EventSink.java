package io.counterflow.model.sim;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;

import java.io.IOException;

/**
 * Receives the generated event streams merged in event-time order (ties: the earlier-created event first;
 * an event at the same millisecond as an impression comes before it), as a producer would publish them.
 */
public interface EventSink {
    /** An impression; impressions arrive with strictly increasing ts. */
    void impression(Impression impression) throws IOException;

    /** A click event (possibly outside the click window). */
    void click(Click click) throws IOException;

    /** A conversion event (possibly outside the attribution window). */
    void conversion(Conversion conversion) throws IOException;
}
