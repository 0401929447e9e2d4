package io.counterflow.model.io;

import static io.counterflow.model.data.BadInputReason.CONVERSION_WITHOUT_CLICK;
import static io.counterflow.model.data.BadInputReason.ID_TOO_LONG;
import static io.counterflow.model.data.BadInputReason.INVALID_FEATURES;
import static io.counterflow.model.data.BadInputReason.INVALID_JSON;
import static io.counterflow.model.data.BadInputReason.LABEL_OUT_OF_RANGE;
import static io.counterflow.model.data.BadInputReason.MISSING_ID;
import static io.counterflow.model.data.BadInputReason.MISSING_TS;
import static io.counterflow.model.data.BadInputReason.NON_FINITE_NUMBER;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Parses and writes the contract's JSON records (CONTRACT.md) with Jackson's streaming API: no trees, no
 * reflection, one pass. Not thread-safe: it keeps per-record state and scratch buffers, so use one instance
 * per thread or operator.
 *
 * <p>Validation, in this order of precedence when a record has several problems: (1) a record that is not
 * one well-formed JSON object (including trailing content) is {@code INVALID_JSON}; (2) otherwise the first
 * problem in the record's own field order; (3) otherwise the first required field that is absent, in the
 * order id, ts, click, conversion, features; (4) {@code conversion = 1} with {@code click = 0}. Details:
 *
 * <ul>
 *   <li>{@code id} / {@code impression_id}: a non-empty string ({@code MISSING_ID}) of at most {@value
 *       #MAX_ID_LENGTH} characters, counted in code points ({@code ID_TOO_LONG}).
 *   <li>{@code ts}: an integral number within int64; {@code 1.7E12} is accepted, {@code 1.5} and
 *       {@code "1"} are not ({@code MISSING_TS}).
 *   <li>{@code click}, {@code conversion}: the number 0 or 1 ({@code 1.0} is accepted), else
 *       {@code LABEL_OUT_OF_RANGE}.
 *   <li>Any number that is NaN, ±Infinity (the parser accepts these non-standard tokens so that it can
 *       name them) or overflows double is {@code NON_FINITE_NUMBER}, wherever it appears among the fields
 *       read.
 *   <li>{@code features}: an object whose values are strings (categorical), arrays of at most {@value
 *       #MAX_MULTI_VALUES} strings (multi-valued) or finite numbers (numeric); anything else is
 *       {@code INVALID_FEATURES}. Order within each kind is the record's order.
 *   <li>{@code truth} (optional; {@code null} counts as absent): an object with numbers {@code ctr} and
 *       {@code cvr} in [0,1]. Not an object or a field absent or not a number: {@code INVALID_JSON}; outside
 *       [0,1]: {@code LABEL_OUT_OF_RANGE}; non-finite: {@code NON_FINITE_NUMBER}.
 *   <li>Unknown top-level fields are skipped, whatever their type. For duplicate top-level fields the last
 *       one wins; duplicate feature names are kept as they are.
 * </ul>
 *
 * <p>The writers emit features by kind (categorical, multi-valued, numeric) and doubles in their shortest
 * round-tripping form, so {@code parse(toJson(x)).equals(x)} for every valid record {@code x}.
 */
public final class EventCodec {
    /** Longest accepted id, in characters (code points). */
    public static final int MAX_ID_LENGTH = 256;
    /** Most entries of one multi-valued feature. */
    public static final int MAX_MULTI_VALUES = 1000;
    /** Longest value quoted in a detail message. */
    static final int DETAIL_CHARS = 64;

    /** Thread-safe; parsers and generators created from it are not. */
    static final JsonFactory FACTORY = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // Jackson's FastDoubleParser: the same correctly rounded doubles as Double.parseDouble, without its
            // big-integer slow path for long decimals (a sixth of the sources' parsing time).
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    private static final int IMPRESSION = 0;
    private static final int CLICK = 1;
    private static final int CONVERSION = 2;
    private static final int SAMPLE = 3;

    private final FeatureBuffer buffer = new FeatureBuffer();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

    // State of the record being parsed; reset by parse().
    private BadInputReason error;
    private String errorDetail;
    private String id;
    private boolean hasTs;
    private long ts;
    private int click;
    private int conversion;
    private boolean hasFeatures;
    private Truth truth;

    /** Parses an impression from UTF-8 JSON. */
    public Impression parseImpression(byte[] utf8) throws BadInputException {
        return parseImpression(utf8, 0, utf8.length);
    }

    /** Parses an impression from UTF-8 JSON in {@code utf8[off, off + len)}. */
    public Impression parseImpression(byte[] utf8, int off, int len) throws BadInputException {
        parse(utf8, off, len, null, IMPRESSION);
        return new Impression(id, ts, buffer.build(), truth);
    }

    /** Parses an impression from a JSON string. */
    public Impression parseImpression(String json) throws BadInputException {
        parse(null, 0, 0, json, IMPRESSION);
        return new Impression(id, ts, buffer.build(), truth);
    }

    /** Parses a click from UTF-8 JSON. */
    public Click parseClick(byte[] utf8) throws BadInputException {
        return parseClick(utf8, 0, utf8.length);
    }

    /** Parses a click from UTF-8 JSON in {@code utf8[off, off + len)}. */
    public Click parseClick(byte[] utf8, int off, int len) throws BadInputException {
        parse(utf8, off, len, null, CLICK);
        return new Click(id, ts);
    }

    /** Parses a click from a JSON string. */
    public Click parseClick(String json) throws BadInputException {
        parse(null, 0, 0, json, CLICK);
        return new Click(id, ts);
    }

    /** Parses a conversion from UTF-8 JSON. */
    public Conversion parseConversion(byte[] utf8) throws BadInputException {
        return parseConversion(utf8, 0, utf8.length);
    }

    /** Parses a conversion from UTF-8 JSON in {@code utf8[off, off + len)}. */
    public Conversion parseConversion(byte[] utf8, int off, int len) throws BadInputException {
        parse(utf8, off, len, null, CONVERSION);
        return new Conversion(id, ts);
    }

    /** Parses a conversion from a JSON string. */
    public Conversion parseConversion(String json) throws BadInputException {
        parse(null, 0, 0, json, CONVERSION);
        return new Conversion(id, ts);
    }

    /** Parses a labeled sample from UTF-8 JSON. */
    public LabeledSample parseSample(byte[] utf8) throws BadInputException {
        return parseSample(utf8, 0, utf8.length);
    }

    /** Parses a labeled sample from UTF-8 JSON in {@code utf8[off, off + len)}. */
    public LabeledSample parseSample(byte[] utf8, int off, int len) throws BadInputException {
        parse(utf8, off, len, null, SAMPLE);
        return new LabeledSample(id, ts, click, conversion, buffer.build(), truth);
    }

    /** Parses a labeled sample from a JSON string. */
    public LabeledSample parseSample(String json) throws BadInputException {
        parse(null, 0, 0, json, SAMPLE);
        return new LabeledSample(id, ts, click, conversion, buffer.build(), truth);
    }

    // ---------------------------------------------------------------- parsing

    private void parse(byte[] utf8, int off, int len, String text, int kind) throws BadInputException {
        error = null;
        errorDetail = null;
        id = null;
        hasTs = false;
        ts = 0;
        click = -1;
        conversion = -1;
        hasFeatures = false;
        truth = null;
        buffer.clear();
        try (JsonParser p = text != null ? FACTORY.createParser(text) : FACTORY.createParser(utf8, off, len)) {
            readRecord(p, kind);
        } catch (JsonProcessingException e) {
            throw new BadInputException(INVALID_JSON, truncate(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BadInputException(INVALID_JSON, truncate(String.valueOf(e.getMessage())));
        }
        if (error != null) {
            throw new BadInputException(error, errorDetail);
        }
        String idName = kind == CLICK || kind == CONVERSION ? "impression_id" : "id";
        if (id == null) {
            throw new BadInputException(MISSING_ID, idName + ": missing");
        }
        if (!hasTs) {
            throw new BadInputException(MISSING_TS, "ts: missing");
        }
        if (kind == SAMPLE) {
            if (click < 0) {
                throw new BadInputException(LABEL_OUT_OF_RANGE, "click: missing");
            }
            if (conversion < 0) {
                throw new BadInputException(LABEL_OUT_OF_RANGE, "conversion: missing");
            }
        }
        if ((kind == SAMPLE || kind == IMPRESSION) && !hasFeatures) {
            throw new BadInputException(INVALID_FEATURES, "features: missing");
        }
        if (kind == SAMPLE && conversion == 1 && click == 0) {
            throw new BadInputException(CONVERSION_WITHOUT_CLICK, "conversion: 1 with click: 0");
        }
    }

    private void readRecord(JsonParser p, int kind) throws IOException, BadInputException {
        JsonToken t = p.nextToken();
        if (t != JsonToken.START_OBJECT) {
            throw new BadInputException(INVALID_JSON,
                    t == null ? "empty record" : "not a JSON object: " + valueText(p, t));
        }
        boolean event = kind == CLICK || kind == CONVERSION;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            t = p.nextToken();
            switch (name) {
                case "id":
                    if (event) {
                        p.skipChildren();
                    } else {
                        readId(p, t, name);
                    }
                    break;
                case "impression_id":
                    if (event) {
                        readId(p, t, name);
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "ts":
                    readTs(p, t);
                    break;
                case "click":
                    if (kind == SAMPLE) {
                        click = readLabel(p, t, name);
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "conversion":
                    if (kind == SAMPLE) {
                        conversion = readLabel(p, t, name);
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "features":
                    if (event) {
                        p.skipChildren();
                    } else {
                        readFeatures(p, t);
                    }
                    break;
                case "truth":
                    if (event) {
                        p.skipChildren();
                    } else {
                        readTruth(p, t);
                    }
                    break;
                default:
                    p.skipChildren();
            }
        }
        if (p.nextToken() != null) {
            throw new BadInputException(INVALID_JSON, "trailing content after the object");
        }
    }

    private void fail(BadInputReason reason, String detail) {
        if (error == null) {
            error = reason;
            errorDetail = detail;
        }
    }

    private void readId(JsonParser p, JsonToken t, String name) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            fail(MISSING_ID, name + ": not a string: " + valueText(p, t));
            p.skipChildren();
            return;
        }
        String s = p.getText();
        if (s.isEmpty()) {
            fail(MISSING_ID, name + ": empty");
        } else if (s.length() > MAX_ID_LENGTH && s.codePointCount(0, s.length()) > MAX_ID_LENGTH) {
            fail(ID_TOO_LONG, name + ": " + s.codePointCount(0, s.length()) + " characters, more than "
                    + MAX_ID_LENGTH + ": " + truncate(s));
        } else {
            id = s;
        }
    }

    private void readTs(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                fail(MISSING_TS, "ts: outside int64: " + truncate(p.getText()));
            } else {
                ts = p.getLongValue();
                hasTs = true;
            }
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) {
                fail(NON_FINITE_NUMBER, "ts: " + truncate(p.getText()));
            } else if (d != Math.rint(d) || Math.abs(d) >= 0x1p63) {
                fail(MISSING_TS, "ts: not an integral int64: " + truncate(p.getText()));
            } else {
                ts = (long) d;
                hasTs = true;
            }
        } else {
            fail(MISSING_TS, "ts: not a number: " + valueText(p, t));
            p.skipChildren();
        }
    }

    private int readLabel(JsonParser p, JsonToken t, String name) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() == JsonParser.NumberType.INT) {
                int v = p.getIntValue();
                if (v == 0 || v == 1) {
                    return v;
                }
            }
            fail(LABEL_OUT_OF_RANGE, name + ": " + truncate(p.getText()));
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) {
                fail(NON_FINITE_NUMBER, name + ": " + truncate(p.getText()));
            } else if (d == 0.0 || d == 1.0) {
                return (int) d;
            } else {
                fail(LABEL_OUT_OF_RANGE, name + ": " + truncate(p.getText()));
            }
        } else {
            fail(LABEL_OUT_OF_RANGE, name + ": not a number: " + valueText(p, t));
            p.skipChildren();
        }
        return -1;
    }

    private void readFeatures(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            fail(INVALID_FEATURES, "features: not an object: " + valueText(p, t));
            p.skipChildren();
            return;
        }
        hasFeatures = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            t = p.nextToken();
            switch (t) {
                case VALUE_STRING:
                    buffer.addCat(name, p.getText());
                    break;
                case VALUE_NUMBER_INT:
                case VALUE_NUMBER_FLOAT:
                    double d = p.getDoubleValue();
                    if (Double.isFinite(d)) {
                        buffer.addNum(name, d);
                    } else {
                        fail(NON_FINITE_NUMBER, "features." + name + ": " + truncate(p.getText()));
                    }
                    break;
                case START_ARRAY:
                    readMulti(p, name);
                    break;
                default:
                    fail(INVALID_FEATURES, "features." + name + ": unsupported value " + valueText(p, t));
                    p.skipChildren();
            }
        }
    }

    private void readMulti(JsonParser p, String name) throws IOException {
        buffer.startMulti();
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                if (n < MAX_MULTI_VALUES) {
                    buffer.addMultiValue(p.getText());
                }
                n++;
            } else {
                fail(INVALID_FEATURES, "features." + name + ": array element is not a string: " + valueText(p, t));
                p.skipChildren();
            }
        }
        if (n > MAX_MULTI_VALUES) {
            fail(INVALID_FEATURES, "features." + name + ": " + n + " entries, more than " + MAX_MULTI_VALUES);
        }
        buffer.endMulti(name);
    }

    private void readTruth(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            truth = null;
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            fail(INVALID_JSON, "truth: not an object: " + valueText(p, t));
            p.skipChildren();
            return;
        }
        double ctr = Double.NaN;
        double cvr = Double.NaN;
        boolean hasCtr = false;
        boolean hasCvr = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            t = p.nextToken();
            boolean isCtr = "ctr".equals(name);
            if (!isCtr && !"cvr".equals(name)) {
                p.skipChildren();
                continue;
            }
            if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                fail(INVALID_JSON, "truth." + name + ": not a number: " + valueText(p, t));
                p.skipChildren();
                continue;
            }
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) {
                fail(NON_FINITE_NUMBER, "truth." + name + ": " + truncate(p.getText()));
            } else if (d < 0 || d > 1) {
                fail(LABEL_OUT_OF_RANGE, "truth." + name + ": " + truncate(p.getText()) + " outside [0,1]");
            }
            if (isCtr) {
                ctr = d;
                hasCtr = true;
            } else {
                cvr = d;
                hasCvr = true;
            }
        }
        if (!hasCtr || !hasCvr) {
            fail(INVALID_JSON, "truth: missing " + (hasCtr ? "cvr" : "ctr"));
        }
        truth = new Truth(ctr, cvr);
    }

    private static String valueText(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT:
                return "{...}";
            case START_ARRAY:
                return "[...]";
            case VALUE_STRING:
                return '"' + truncate(p.getText()) + '"';
            default:
                return truncate(p.getText());
        }
    }

    /** The first {@value #DETAIL_CHARS} characters of {@code s}, with {@code ...} when cut. */
    static String truncate(String s) {
        return s.length() <= DETAIL_CHARS ? s : s.substring(0, DETAIL_CHARS) + "...";
    }

    // ---------------------------------------------------------------- writing

    /** The impression as one line of JSON (no newline). */
    public String toJson(Impression x) {
        return new String(toUtf8(x), StandardCharsets.UTF_8);
    }

    /** The click as one line of JSON. */
    public String toJson(Click x) {
        return new String(toUtf8(x), StandardCharsets.UTF_8);
    }

    /** The conversion as one line of JSON. */
    public String toJson(Conversion x) {
        return new String(toUtf8(x), StandardCharsets.UTF_8);
    }

    /** The labeled sample as one line of JSON. */
    public String toJson(LabeledSample x) {
        return new String(toUtf8(x), StandardCharsets.UTF_8);
    }

    /** The prediction line {@code {"id":..,"ctr":..,"cvr":..,"ctcvr":ctr*cvr}}. */
    public String predictionToJson(String id, double ctr, double cvr) {
        return new String(predictionToUtf8(id, ctr, cvr), StandardCharsets.UTF_8);
    }

    /** The impression as UTF-8 JSON bytes (for Kafka serializers). */
    public byte[] toUtf8(Impression x) {
        try (JsonGenerator g = startBytes()) {
            writeImpression(g, x);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The click as UTF-8 JSON bytes. */
    public byte[] toUtf8(Click x) {
        try (JsonGenerator g = startBytes()) {
            writeEvent(g, x.impressionId, x.ts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The conversion as UTF-8 JSON bytes. */
    public byte[] toUtf8(Conversion x) {
        try (JsonGenerator g = startBytes()) {
            writeEvent(g, x.impressionId, x.ts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The labeled sample as UTF-8 JSON bytes. */
    public byte[] toUtf8(LabeledSample x) {
        try (JsonGenerator g = startBytes()) {
            writeSample(g, x);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The prediction line as UTF-8 JSON bytes. */
    public byte[] predictionToUtf8(String id, double ctr, double cvr) {
        try (JsonGenerator g = startBytes()) {
            writePrediction(g, id, ctr, cvr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private JsonGenerator startBytes() throws IOException {
        out.reset();
        return FACTORY.createGenerator(out, JsonEncoding.UTF8);
    }

    static void writeImpression(JsonGenerator g, Impression x) throws IOException {
        g.writeStartObject();
        writeId(g, "id", x.id);
        g.writeNumberField("ts", x.ts);
        writeFeatures(g, x.features);
        writeTruth(g, x.truth);
        g.writeEndObject();
    }

    static void writeEvent(JsonGenerator g, String impressionId, long ts) throws IOException {
        g.writeStartObject();
        writeId(g, "impression_id", impressionId);
        g.writeNumberField("ts", ts);
        g.writeEndObject();
    }

    static void writeSample(JsonGenerator g, LabeledSample x) throws IOException {
        if ((x.click != 0 && x.click != 1) || (x.conversion != 0 && x.conversion != 1)
                || (x.conversion == 1 && x.click == 0)) {
            throw new IllegalArgumentException(
                    "sample " + x.id + ": click=" + x.click + ", conversion=" + x.conversion + " breaks the contract");
        }
        g.writeStartObject();
        writeId(g, "id", x.id);
        g.writeNumberField("ts", x.ts);
        g.writeNumberField("click", x.click);
        g.writeNumberField("conversion", x.conversion);
        writeFeatures(g, x.features);
        writeTruth(g, x.truth);
        g.writeEndObject();
    }

    static void writePrediction(JsonGenerator g, String id, double ctr, double cvr) throws IOException {
        g.writeStartObject();
        writeId(g, "id", id);
        writeFinite(g, "ctr", ctr);
        writeFinite(g, "cvr", cvr);
        writeFinite(g, "ctcvr", ctr * cvr);
        g.writeEndObject();
    }

    private static void writeId(JsonGenerator g, String name, String id) throws IOException {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException(name + " is missing or empty");
        }
        g.writeStringField(name, id);
    }

    private static void writeFeatures(JsonGenerator g, Features f) throws IOException {
        if (f == null) {
            throw new IllegalArgumentException("features is null");
        }
        g.writeObjectFieldStart("features");
        for (int i = 0; i < f.catNames.length; i++) {
            g.writeStringField(f.catNames[i], f.catValues[i]);
        }
        for (int i = 0; i < f.multiNames.length; i++) {
            g.writeFieldName(f.multiNames[i]);
            String[] values = f.multiValues[i];
            g.writeArray(values, 0, values.length);
        }
        for (int i = 0; i < f.numNames.length; i++) {
            writeFinite(g, f.numNames[i], f.numValues[i]);
        }
        g.writeEndObject();
    }

    private static void writeTruth(JsonGenerator g, Truth t) throws IOException {
        if (t == null) {
            return;
        }
        g.writeObjectFieldStart("truth");
        writeFinite(g, "ctr", t.ctr);
        writeFinite(g, "cvr", t.cvr);
        g.writeEndObject();
    }

    private static void writeFinite(JsonGenerator g, String name, double v) throws IOException {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " is not finite: " + v);
        }
        g.writeNumberField(name, v);
    }
}
