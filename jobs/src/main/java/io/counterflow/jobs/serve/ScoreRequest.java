package io.counterflow.jobs.serve;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.io.FeatureBuffer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.IOException;
import java.util.Arrays;

/**
 * Parses the body of {@code POST /v1/score} (CONTRACT.md, "Serving"): a JSON array of impressions {@code
 * {"id":..,"ts":..,"features":{..}}}, {@code ts} optional, unknown top-level fields ignored, into the reused
 * samples of one request thread. Jackson's streaming API, one pass, no trees. Not thread-safe: one per request
 * thread, reused across requests (its scratch arrays grow to the largest batch and stay).
 *
 * <p>The rules are the impression rules of the event streams: {@code id} a non-empty string of at most {@value
 * EventCodec#MAX_ID_LENGTH} characters; {@code ts}, when present, an integral int64; {@code features} an object of
 * strings, arrays of at most {@value EventCodec#MAX_MULTI_VALUES} strings, or finite numbers. The first violation
 * rejects the whole request with a {@link BadRequest} naming the impression's index and the field.
 */
final class ScoreRequest {
    /** Thread-safe; parsers made from it are not. NaN and Infinity are accepted by the parser so they can be named. */
    private static final JsonFactory FACTORY =
            JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private final int maxBatch;
    private LabeledSample[] samples = new LabeledSample[0];
    private int n;

    /** One impression's features, collected in reused arrays (the event codec's buffer). */
    private final FeatureBuffer features = new FeatureBuffer();

    ScoreRequest(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    /** A request that cannot be scored: {@code kind} for metrics, {@code status} the HTTP code, the reason. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String kind;

        BadRequest(int status, String kind, String reason) {
            super(reason, null, false, false);
            this.status = status;
            this.kind = kind;
        }
    }

    /** Number of impressions parsed by the last {@link #parse}. */
    int size() {
        return n;
    }

    /** The parsed impressions [0, size()) (labels unset); reused by the next parse. */
    LabeledSample[] samples() {
        return samples;
    }

    /** Parses {@code body[0, len)}; on success {@link #samples} holds the impressions in request order. */
    void parse(byte[] body, int len) throws BadRequest {
        n = 0;
        try (JsonParser p = FACTORY.createParser(body, 0, len)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw bad("bad_request", "the body must be a JSON array of impressions");
            }
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) {
                    throw bad("bad_json", "not valid JSON: unexpected end of input");
                }
                if (n == maxBatch) {
                    throw new BadRequest(413, "batch_too_large", "more than " + maxBatch
                            + " impressions in one request (the server's --max-batch)");
                }
                if (t != JsonToken.START_OBJECT) {
                    throw bad("bad_request", "[" + n + "]: not an object");
                }
                readImpression(p);
                n++;
            }
            if (p.nextToken() != null) {
                throw bad("bad_json", "not valid JSON: content after the array");
            }
        } catch (JsonParseException e) {
            throw bad("bad_json", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw bad("bad_json", "not valid JSON: " + e.getMessage());
        }
    }

    private void readImpression(JsonParser p) throws IOException, BadRequest {
        String id = null;
        boolean hasFeatures = false;
        features.clear();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            t = p.nextToken();
            switch (name) {
                case "id":
                    if (t != JsonToken.VALUE_STRING || p.getTextLength() == 0) {
                        throw bad("bad_request", "[" + n + "].id: " + (t == JsonToken.VALUE_STRING ? "empty"
                                : "not a string"));
                    }
                    id = p.getText();
                    if (id.length() > EventCodec.MAX_ID_LENGTH
                            && id.codePointCount(0, id.length()) > EventCodec.MAX_ID_LENGTH) {
                        throw bad("id_too_long", "[" + n + "].id: longer than " + EventCodec.MAX_ID_LENGTH
                                + " characters");
                    }
                    break;
                case "ts":
                    checkTs(p, t);
                    break;
                case "features":
                    if (t != JsonToken.START_OBJECT) {
                        throw bad("bad_request", "[" + n + "].features: not an object");
                    }
                    features.clear();
                    readFeatures(p);
                    hasFeatures = true;
                    break;
                default:
                    p.skipChildren(); // unknown (or unused, such as truth) fields are ignored
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw bad("bad_json", "not valid JSON");
        }
        if (id == null) {
            throw bad("bad_request", "[" + n + "].id: missing");
        }
        if (!hasFeatures) {
            throw bad("bad_request", "[" + n + "].features: missing");
        }
        if (n == samples.length) {
            int grown = Math.min(maxBatch, Math.max(16, samples.length * 2));
            samples = Arrays.copyOf(samples, grown);
            for (int i = n; i < grown; i++) {
                samples[i] = new LabeledSample();
            }
        }
        LabeledSample s = samples[n];
        s.id = id;
        s.features = features.build();
    }

    private void checkTs(JsonParser p, JsonToken t) throws IOException, BadRequest {
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw bad("bad_request", "[" + n + "].ts: outside int64");
            }
            return;
        }
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) {
                throw bad("non_finite", "[" + n + "].ts: not a finite number");
            }
            if (d != Math.rint(d) || Math.abs(d) > 9.2e18) {
                throw bad("bad_request", "[" + n + "].ts: not an integral int64");
            }
            return;
        }
        throw bad("bad_request", "[" + n + "].ts: not a number");
    }

    private void readFeatures(JsonParser p) throws IOException, BadRequest {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (t) {
                case VALUE_STRING:
                    features.addCat(name, p.getText());
                    break;
                case VALUE_NUMBER_INT:
                case VALUE_NUMBER_FLOAT:
                    double d = p.getDoubleValue();
                    if (!Double.isFinite(d)) {
                        throw bad("non_finite", "[" + n + "].features." + name + ": not a finite number");
                    }
                    features.addNum(name, d);
                    break;
                case START_ARRAY:
                    readMulti(p, name);
                    break;
                default:
                    throw bad("bad_request", "[" + n + "].features." + name + ": not a string, an array of strings"
                            + " or a number");
            }
        }
    }

    private void readMulti(JsonParser p, String name) throws IOException, BadRequest {
        int k = 0;
        JsonToken t;
        features.startMulti();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                throw bad("bad_request", "[" + n + "].features." + name + ": an array element is not a string");
            }
            if (k == EventCodec.MAX_MULTI_VALUES) {
                throw bad("bad_request", "[" + n + "].features." + name + ": more than "
                        + EventCodec.MAX_MULTI_VALUES + " entries");
            }
            features.addMultiValue(p.getText());
            k++;
        }
        features.endMulti(name);
    }

    private static BadRequest bad(String kind, String reason) {
        return new BadRequest(400, kind, reason);
    }
}
