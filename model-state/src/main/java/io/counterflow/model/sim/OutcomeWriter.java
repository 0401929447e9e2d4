package io.counterflow.model.sim;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes {@code outcomes.jsonl}: one line per impression, in impression order (line k matches line k of
 * {@code samples.jsonl}), with what a delayed-feedback policy must be scored against:
 *
 * <pre>
 * {"id":"imp-7","ts":1700000000612,"item_id":"i2003","item_arrival_ts":1699999000000,"click":1,"conversion":0,
 *  "click_delay_ms":18211,"conversion_delay_ms":700123456}
 * </pre>
 *
 * <ul>
 *   <li>{@code click}, {@code conversion}: the final labels (as in samples.jsonl: what the label join with the
 *       configured windows produces once the windows have closed).
 *   <li>{@code click_delay_ms}: click event ts − impression ts; {@code null} when the impression has no click event.
 *   <li>{@code conversion_delay_ms}: conversion event ts − click event ts; {@code null} when there is no
 *       conversion event (at any delay). A conversion with {@code conversion_delay_ms > attributionWindowMs}
 *       (or whose click is outside the click window) is censored: its {@code conversion} is 0.
 *   <li>{@code item_arrival_ts}: when the item arrived ({@code newItemsPerDay}); {@code null} for an initial item.
 * </ul>
 *
 * Not part of the event contract: it is a ground-truth side file of generated data only, like {@code truth}.
 */
final class OutcomeWriter implements Closeable {
    private final JsonGenerator g;

    OutcomeWriter(OutputStream out) throws IOException {
        g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
        g.setRootValueSeparator(null);
    }

    void write(String id, long ts, String itemId, Long itemArrivalTs, int click, int conversion, boolean hasClick,
            long clickDelayMs, boolean hasConversion, long conversionDelayMs) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeNumberField("ts", ts);
        g.writeStringField("item_id", itemId);
        g.writeFieldName("item_arrival_ts");
        if (itemArrivalTs == null) {
            g.writeNull();
        } else {
            g.writeNumber(itemArrivalTs);
        }
        g.writeNumberField("click", click);
        g.writeNumberField("conversion", conversion);
        g.writeFieldName("click_delay_ms");
        if (hasClick) {
            g.writeNumber(clickDelayMs);
        } else {
            g.writeNull();
        }
        g.writeFieldName("conversion_delay_ms");
        if (hasConversion) {
            g.writeNumber(conversionDelayMs);
        } else {
            g.writeNull();
        }
        g.writeEndObject();
        g.writeRaw('\n');
    }

    @Override
    public void close() throws IOException {
        g.close();
    }
}
