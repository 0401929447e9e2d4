package io.counterflow.model.io;

import static io.counterflow.model.data.BadInputReason.CONVERSION_WITHOUT_CLICK;
import static io.counterflow.model.data.BadInputReason.ID_TOO_LONG;
import static io.counterflow.model.data.BadInputReason.INVALID_FEATURES;
import static io.counterflow.model.data.BadInputReason.INVALID_JSON;
import static io.counterflow.model.data.BadInputReason.LABEL_OUT_OF_RANGE;
import static io.counterflow.model.data.BadInputReason.MISSING_ID;
import static io.counterflow.model.data.BadInputReason.MISSING_TS;
import static io.counterflow.model.data.BadInputReason.NON_FINITE_NUMBER;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Streams labeled samples from an offline file in constant memory: {@code .jsonl} (one contract sample per
 * line, parsed by {@link EventCodec}) or {@code .csv}; either may be {@code .gz}-compressed. Bad lines are
 * counted in the {@link BadInputReport} (with their 1-based line numbers) and skipped; they never stop
 * reading. Blank lines are skipped without being counted. Not thread-safe.
 *
 * <p>CSV (CONTRACT.md): a header row is required; RFC 4180 quoting within one line. Label columns
 * {@code click} and {@code conversion} (alias {@code purchase}) are required; {@code id} and {@code ts} are
 * optional: without them a row's id is {@code <file name>:<line>} and its ts the line number. Every other
 * column is a feature, numeric if named in {@code numericColumns}, else categorical. Labels accept integral
 * values only ({@code 1}, {@code 1.0}). An empty numeric cell leaves that feature out of the row (missing);
 * an empty categorical cell is kept as the value {@code ""}. A row with a different column count than the
 * header is {@code INVALID_JSON}; an unparseable numeric cell {@code INVALID_FEATURES}. Problems are
 * reported for the first offending column in header order; conversion-without-click last. The samples of one
 * file share their feature-name arrays: treat them as read-only.
 */
public final class SampleFileReader implements Closeable {
    /** File formats, chosen from the file name by {@link #formatOf(Path)}. */
    public enum Format {
        JSONL,
        CSV
    }

    private static final int CLICK = -1;
    private static final int CONVERSION = -2;
    private static final int ID = -3;
    private static final int TS = -4;
    private static final int NUM = 1 << 20;

    private final LineSource lines;
    private final String source;
    private final Format format;
    private final BadInputReport report;
    private final EventCodec codec;

    // CSV layout: role[c] is one of the negative constants, a categorical index, or NUM + numeric index.
    private int[] role;
    private String[] header;
    private String[] cells;
    private String[] catNames;
    private String[] numNames;
    private final double[] numScratch;

    private SampleFileReader(InputStream in, String source, Format format, Set<String> numericColumns,
            BadInputReport report) throws IOException {
        this.lines = new LineSource(in, Inputs.MAX_LINE_BYTES);
        this.source = source;
        this.format = format;
        this.report = report;
        this.codec = format == Format.JSONL ? new EventCodec() : null;
        if (format == Format.CSV) {
            try {
                readHeader(numericColumns);
            } catch (IOException | RuntimeException e) {
                lines.close();
                throw e;
            }
            numScratch = new double[numNames.length];
        } else {
            numScratch = null;
        }
    }

    /** Opens {@code file} with a new report; the format comes from its name. */
    public static SampleFileReader open(Path file, Set<String> numericColumns) throws IOException {
        return open(file, numericColumns, new BadInputReport());
    }

    /** Opens {@code file}, counting bad lines in {@code report}; the format comes from its name. */
    public static SampleFileReader open(Path file, Set<String> numericColumns, BadInputReport report)
            throws IOException {
        Format format = formatOf(file);
        return new SampleFileReader(Inputs.open(file), Inputs.baseName(file), format, numericColumns, report);
    }

    /** Reads {@code in} (closed with the reader) in {@code format}; {@code sourceName} names it in ids and reports. */
    public static SampleFileReader open(InputStream in, String sourceName, Format format,
            Set<String> numericColumns, BadInputReport report) throws IOException {
        return new SampleFileReader(in, sourceName, format, numericColumns, report);
    }

    /** {@code .jsonl}/{@code .json} → JSONL, {@code .csv} → CSV, each optionally {@code .gz}; else an error. */
    public static Format formatOf(Path file) {
        String name = Inputs.baseName(file).toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        if (name.endsWith(".csv")) {
            return Format.CSV;
        }
        throw new IllegalArgumentException(
                "sample file " + file.getFileName() + ": unknown format; expected .jsonl or .csv (optionally .gz)");
    }

    /** The next valid sample, skipping (and reporting) bad lines; {@code null} at the end of the file. */
    public LabeledSample next() throws IOException {
        while (lines.next()) {
            if (lines.blank()) {
                continue;
            }
            try {
                if (lines.tooLong) {
                    throw new BadInputException(INVALID_JSON, "line longer than " + Inputs.MAX_LINE_BYTES + " bytes");
                }
                LabeledSample s = format == Format.JSONL
                        ? codec.parseSample(lines.line, 0, lines.length)
                        : parseCsvRow();
                report.recordValid();
                return s;
            } catch (BadInputException e) {
                report.recordBad(source, lines.lineNumber, e, lines.line, 0, lines.length);
            }
        }
        return null;
    }

    /** Hands every remaining valid sample to {@code sink}; returns how many. */
    public long forEachRemaining(Consumer<? super LabeledSample> sink) throws IOException {
        long n = 0;
        for (LabeledSample s = next(); s != null; s = next()) {
            sink.accept(s);
            n++;
        }
        return n;
    }

    /** The report bad lines are counted in. */
    public BadInputReport report() {
        return report;
    }

    /** 1-based number of the line read last (the header is line 1 of a CSV file). */
    public long lineNumber() {
        return lines.lineNumber;
    }

    /** The CSV header's feature columns that are categorical, in header order (empty for JSONL). */
    public List<String> categoricalColumns() {
        return catNames == null ? List.of() : List.of(catNames);
    }

    /** The CSV header's feature columns that are numeric, in header order (empty for JSONL). */
    public List<String> numericColumns() {
        return numNames == null ? List.of() : List.of(numNames);
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }

    // ---------------------------------------------------------------- CSV

    private void readHeader(Set<String> numericColumns) throws IOException {
        if (!lines.next()) {
            throw new MalformedFileException(source + ": empty CSV file; a header row is required");
        }
        String text = new String(lines.line, 0, lines.length, StandardCharsets.UTF_8);
        List<String> names = new ArrayList<>();
        if (!splitInto(text, names, null)) {
            throw new MalformedFileException(source + ": malformed CSV header: " + EventCodec.truncate(text));
        }
        header = names.toArray(new String[0]);
        role = new int[header.length];
        List<String> cats = new ArrayList<>();
        List<String> nums = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean hasClick = false;
        String conversionColumn = null;
        for (int c = 0; c < header.length; c++) {
            String name = header[c];
            if (!seen.add(name)) {
                throw new MalformedFileException(source + ": CSV header names column '" + name + "' twice");
            }
            switch (name) {
                case "click":
                    role[c] = CLICK;
                    hasClick = true;
                    break;
                case "conversion":
                case "purchase":
                    if (conversionColumn != null) {
                        throw new MalformedFileException(source + ": CSV header has both '" + conversionColumn
                                + "' and '" + name + "'; keep one conversion label column");
                    }
                    conversionColumn = name;
                    role[c] = CONVERSION;
                    break;
                case "id":
                    role[c] = ID;
                    break;
                case "ts":
                    role[c] = TS;
                    break;
                default:
                    if (numericColumns.contains(name)) {
                        role[c] = NUM + nums.size();
                        nums.add(name);
                    } else {
                        role[c] = cats.size();
                        cats.add(name);
                    }
            }
        }
        if (!hasClick || conversionColumn == null) {
            throw new MalformedFileException(source + ": CSV header lacks the "
                    + (hasClick ? "conversion (or purchase)" : "click") + " label column; header: "
                    + EventCodec.truncate(text));
        }
        for (String n : numericColumns) {
            if (!seen.contains(n)) {
                throw new IllegalArgumentException("numeric column '" + n + "' is not in the CSV header of " + source);
            }
            if (!nums.contains(n)) {
                throw new IllegalArgumentException("numeric column '" + n + "' of " + source
                        + " is a label, id or ts column, not a feature");
            }
        }
        catNames = cats.toArray(new String[0]);
        numNames = nums.toArray(new String[0]);
        cells = new String[header.length];
    }

    private LabeledSample parseCsvRow() throws BadInputException {
        String text = new String(lines.line, 0, lines.length, StandardCharsets.UTF_8);
        int n = split(text);
        if (n != header.length) {
            throw new BadInputException(INVALID_JSON, n < 0 ? "malformed quoted CSV field"
                    : "expected " + header.length + " columns, found " + n);
        }
        String id = null;
        long ts = lines.lineNumber;
        int click = -1;
        int conversion = -1;
        String[] catValues = new String[catNames.length];
        int nums = 0;
        boolean skipped = false;
        for (int c = 0; c < n; c++) {
            String cell = cells[c];
            int r = role[c];
            if (r >= NUM) {
                String t = cell.trim();
                if (t.isEmpty()) {
                    skipped = true;
                    continue;
                }
                double d;
                try {
                    d = Double.parseDouble(t);
                } catch (NumberFormatException e) {
                    throw new BadInputException(INVALID_FEATURES, header[c] + ": not a number: " + EventCodec.truncate(t));
                }
                if (!Double.isFinite(d)) {
                    throw new BadInputException(NON_FINITE_NUMBER, header[c] + ": " + EventCodec.truncate(t));
                }
                numScratch[r - NUM] = d;
                nums++;
            } else if (r >= 0) {
                catValues[r] = cell;
            } else if (r == CLICK) {
                click = label(cell, header[c]);
            } else if (r == CONVERSION) {
                conversion = label(cell, header[c]);
            } else if (r == ID) {
                if (cell.isEmpty()) {
                    throw new BadInputException(MISSING_ID, "id: empty");
                }
                if (cell.length() > EventCodec.MAX_ID_LENGTH
                        && cell.codePointCount(0, cell.length()) > EventCodec.MAX_ID_LENGTH) {
                    throw new BadInputException(ID_TOO_LONG, "id: more than " + EventCodec.MAX_ID_LENGTH
                            + " characters: " + EventCodec.truncate(cell));
                }
                id = cell;
            } else {
                ts = timestamp(cell);
            }
        }
        if (conversion == 1 && click == 0) {
            throw new BadInputException(CONVERSION_WITHOUT_CLICK, "conversion: 1 with click: 0");
        }
        if (id == null) {
            id = source + ":" + lines.lineNumber;
        }
        String[] names = numNames;
        double[] values;
        if (!skipped) {
            values = Arrays.copyOf(numScratch, numNames.length);
        } else {
            names = new String[nums];
            values = new double[nums];
            int k = 0;
            for (int c = 0; c < n; c++) {
                int r = role[c];
                if (r >= NUM && !cells[c].trim().isEmpty()) {
                    names[k] = header[c];
                    values[k++] = numScratch[r - NUM];
                }
            }
        }
        Features f = new Features(catNames, catValues, Features.NO_STRINGS, new String[0][], names, values);
        return new LabeledSample(id, ts, click, conversion, f, null);
    }

    private static int label(String cell, String name) throws BadInputException {
        if (cell.length() == 1) {
            char ch = cell.charAt(0);
            if (ch == '0' || ch == '1') {
                return ch - '0';
            }
        }
        String t = cell.trim();
        double d;
        try {
            d = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new BadInputException(LABEL_OUT_OF_RANGE, name + ": not a number: \"" + EventCodec.truncate(t) + '"');
        }
        if (!Double.isFinite(d)) {
            throw new BadInputException(NON_FINITE_NUMBER, name + ": " + EventCodec.truncate(t));
        }
        if (d != 0.0 && d != 1.0) {
            throw new BadInputException(LABEL_OUT_OF_RANGE, name + ": " + EventCodec.truncate(t));
        }
        return (int) d;
    }

    private static long timestamp(String cell) throws BadInputException {
        String t = cell.trim();
        if (t.isEmpty()) {
            throw new BadInputException(MISSING_TS, "ts: empty");
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            // fall through: maybe written as a double
        }
        double d;
        try {
            d = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new BadInputException(MISSING_TS, "ts: not a number: " + EventCodec.truncate(t));
        }
        if (!Double.isFinite(d)) {
            throw new BadInputException(NON_FINITE_NUMBER, "ts: " + EventCodec.truncate(t));
        }
        if (d != Math.rint(d) || Math.abs(d) >= 0x1p63) {
            throw new BadInputException(MISSING_TS, "ts: not an integral int64: " + EventCodec.truncate(t));
        }
        return (long) d;
    }

    /** Splits a row into {@link #cells}; returns the cell count (up to header size + 1) or -1 when malformed. */
    private int split(String line) {
        int[] count = {0};
        return splitInto(line, null, count) ? count[0] : -1;
    }

    /**
     * RFC 4180 split of one line: into {@code out} when given, else into {@link #cells} (counting in
     * {@code count[0]}, storing at most the header's size). False when a quoted field is malformed.
     */
    private boolean splitInto(String line, List<String> out, int[] count) {
        int len = line.length();
        int i = 0;
        int k = 0;
        StringBuilder sb = null;
        while (true) {
            String cell;
            if (i < len && line.charAt(i) == '"') {
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.setLength(0);
                i++;
                boolean closed = false;
                while (i < len) {
                    char ch = line.charAt(i++);
                    if (ch == '"') {
                        if (i < len && line.charAt(i) == '"') {
                            sb.append('"');
                            i++;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        sb.append(ch);
                    }
                }
                if (!closed || (i < len && line.charAt(i) != ',')) {
                    return false;
                }
                cell = sb.toString();
            } else {
                int comma = line.indexOf(',', i);
                int stop = comma < 0 ? len : comma;
                cell = line.substring(i, stop);
                i = stop;
            }
            if (out != null) {
                out.add(cell);
            } else if (k < cells.length) {
                cells[k] = cell;
            }
            k++;
            if (i >= len) {
                break;
            }
            i++; // the comma
            if (i == len) {
                // trailing comma: one more, empty cell
                if (out != null) {
                    out.add("");
                } else if (k < cells.length) {
                    cells[k] = "";
                }
                k++;
                break;
            }
        }
        if (count != null) {
            count[0] = k;
        }
        return true;
    }
}
