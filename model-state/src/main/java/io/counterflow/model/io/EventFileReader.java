package io.counterflow.model.io;

import static io.counterflow.model.data.BadInputReason.INVALID_JSON;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Streams impression, click or conversion events from a {@code .jsonl} file (optionally {@code .gz}) in
 * constant memory, parsed by {@link EventCodec}. Bad lines are counted in the {@link BadInputReport} and
 * skipped; blank lines are skipped without being counted. Not thread-safe.
 *
 * @param <T> the event type
 */
public final class EventFileReader<T> implements Closeable {
    /** How one line becomes an event. */
    @FunctionalInterface
    private interface LineParser<T> {
        T parse(EventCodec codec, byte[] utf8, int off, int len) throws BadInputException;
    }

    private final LineSource lines;
    private final String source;
    private final BadInputReport report;
    private final LineParser<T> parser;
    private final EventCodec codec = new EventCodec();

    private EventFileReader(InputStream in, String source, BadInputReport report, LineParser<T> parser) {
        this.lines = new LineSource(in, Inputs.MAX_LINE_BYTES);
        this.source = source;
        this.report = report;
        this.parser = parser;
    }

    /** Reads impressions from {@code file}. */
    public static EventFileReader<Impression> impressions(Path file, BadInputReport report) throws IOException {
        return impressions(Inputs.open(file), Inputs.baseName(file), report);
    }

    /** Reads impressions from {@code in} (closed with the reader); {@code sourceName} names it in reports. */
    public static EventFileReader<Impression> impressions(InputStream in, String sourceName, BadInputReport report) {
        return new EventFileReader<>(in, sourceName, report, EventCodec::parseImpression);
    }

    /** Reads clicks from {@code file}. */
    public static EventFileReader<Click> clicks(Path file, BadInputReport report) throws IOException {
        return clicks(Inputs.open(file), Inputs.baseName(file), report);
    }

    /** Reads clicks from {@code in} (closed with the reader). */
    public static EventFileReader<Click> clicks(InputStream in, String sourceName, BadInputReport report) {
        return new EventFileReader<>(in, sourceName, report, EventCodec::parseClick);
    }

    /** Reads conversions from {@code file}. */
    public static EventFileReader<Conversion> conversions(Path file, BadInputReport report) throws IOException {
        return conversions(Inputs.open(file), Inputs.baseName(file), report);
    }

    /** Reads conversions from {@code in} (closed with the reader). */
    public static EventFileReader<Conversion> conversions(InputStream in, String sourceName, BadInputReport report) {
        return new EventFileReader<>(in, sourceName, report, EventCodec::parseConversion);
    }

    /** The next valid event, skipping (and reporting) bad lines; {@code null} at the end of the file. */
    public T next() throws IOException {
        while (lines.next()) {
            if (lines.blank()) {
                continue;
            }
            try {
                if (lines.tooLong) {
                    throw new BadInputException(INVALID_JSON, "line longer than " + Inputs.MAX_LINE_BYTES + " bytes");
                }
                T event = parser.parse(codec, lines.line, 0, lines.length);
                report.recordValid();
                return event;
            } catch (BadInputException e) {
                report.recordBad(source, lines.lineNumber, e, lines.line, 0, lines.length);
            }
        }
        return null;
    }

    /** Hands every remaining valid event to {@code sink}; returns how many. */
    public long forEachRemaining(Consumer<? super T> sink) throws IOException {
        long n = 0;
        for (T e = next(); e != null; e = next()) {
            sink.accept(e);
            n++;
        }
        return n;
    }

    /** The report bad lines are counted in. */
    public BadInputReport report() {
        return report;
    }

    /** 1-based number of the line read last. */
    public long lineNumber() {
        return lines.lineNumber;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
