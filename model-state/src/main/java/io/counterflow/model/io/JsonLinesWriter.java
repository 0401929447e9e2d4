package io.counterflow.model.io;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes contract records as JSON Lines (one object and {@code \n} per record) through one reused Jackson
 * generator, in the same form as {@link EventCodec}'s writers. Not thread-safe. Closing it closes the stream.
 */
public final class JsonLinesWriter implements Closeable {
    private final JsonGenerator g;

    /** A writer onto {@code out}; wrap files in a {@link java.io.BufferedOutputStream}. */
    public JsonLinesWriter(OutputStream out) throws IOException {
        g = EventCodec.FACTORY.createGenerator(out, JsonEncoding.UTF8);
        g.setRootValueSeparator(null);
    }

    /** Writes one impression line. */
    public void write(Impression x) throws IOException {
        EventCodec.writeImpression(g, x);
        g.writeRaw('\n');
    }

    /** Writes one click line. */
    public void write(Click x) throws IOException {
        EventCodec.writeEvent(g, x.impressionId, x.ts);
        g.writeRaw('\n');
    }

    /** Writes one conversion line. */
    public void write(Conversion x) throws IOException {
        EventCodec.writeEvent(g, x.impressionId, x.ts);
        g.writeRaw('\n');
    }

    /** Writes one click or conversion line for {@code impressionId} at {@code ts} without building a record. */
    public void writeEvent(String impressionId, long ts) throws IOException {
        EventCodec.writeEvent(g, impressionId, ts);
        g.writeRaw('\n');
    }

    /** Writes one labeled-sample line. */
    public void write(LabeledSample x) throws IOException {
        EventCodec.writeSample(g, x);
        g.writeRaw('\n');
    }

    /** Writes one prediction line {@code {"id":..,"ctr":..,"cvr":..,"ctcvr":ctr*cvr}}. */
    public void writePrediction(String id, double ctr, double cvr) throws IOException {
        EventCodec.writePrediction(g, id, ctr, cvr);
        g.writeRaw('\n');
    }

    /** Flushes buffered output to the stream. */
    public void flush() throws IOException {
        g.flush();
    }

    @Override
    public void close() throws IOException {
        g.close();
    }
}
