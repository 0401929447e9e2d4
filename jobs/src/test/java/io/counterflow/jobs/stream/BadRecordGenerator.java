package io.counterflow.jobs.stream;

import io.counterflow.model.data.BadInputReason;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;

/**
 * Seeded malformed Kafka record values for the fuzz test, each with the topic it goes to and the reason the
 * sources must give it: every bad-input kind of CONTRACT.md plus truncated and invalid UTF-8, deep nesting (10,000
 * levels), huge numbers, wrong types, empty and null bodies, far-future timestamps and oversized records. The
 * records the label join rejects (duplicates, unknown impressions, conversions without clicks) depend on the
 * valid traffic around them and are made by the test itself.
 */
final class BadRecordGenerator {
    static final int IMPRESSIONS = 0;
    static final int CLICKS = 1;
    static final int CONVERSIONS = 2;

    /** A bad record value ({@code null}: a record without a value) for {@code topic}, and its expected reason. */
    record Bad(int topic, String kind, byte[] value, BadInputReason reason) {}

    private record Kind(String name, int topic, BadInputReason reason, int weight, LongFunction<byte[]> make) {}

    private final Random random;
    private final long nowMs;
    private final List<Kind> kinds = new ArrayList<>();
    private final int[] cumulative;
    private long serial;

    /** {@code nowMs}: the wall clock when the records are produced (far-future timestamps are ahead of it). */
    BadRecordGenerator(long seed, long nowMs) {
        this.random = new Random(seed);
        this.nowMs = nowMs;
        impressionKinds();
        eventKinds(CLICKS);
        eventKinds(CONVERSIONS);
        cumulative = new int[kinds.size()];
        int sum = 0;
        for (int i = 0; i < kinds.size(); i++) {
            sum += kinds.get(i).weight;
            cumulative[i] = sum;
        }
    }

    /** The names of every kind this generator makes (topic/name). */
    List<String> kindNames() {
        List<String> out = new ArrayList<>();
        for (Kind k : kinds) {
            out.add(k.topic + "/" + k.name);
        }
        return out;
    }

    /** A random bad record; {@code ts} is a plausible event time (the valid traffic's current time). */
    Bad next(long ts) {
        int r = random.nextInt(cumulative[cumulative.length - 1]);
        int i = 0;
        while (cumulative[i] <= r) {
            i++;
        }
        return make(kinds.get(i), ts);
    }

    /** One record of every kind, in declaration order. */
    List<Bad> oneOfEach(long ts) {
        List<Bad> out = new ArrayList<>();
        for (Kind k : kinds) {
            out.add(make(k, ts));
        }
        return out;
    }

    /** A far-future event (ts a day ahead of the wall clock) for {@code topic}. */
    Bad farFuture(int topic) {
        String field = topic == IMPRESSIONS ? "id" : "impression_id";
        String features = topic == IMPRESSIONS ? ",\"features\":{\"user_id\":\"u1\"}" : "";
        return new Bad(topic, "far-future-day", utf8("{\"" + field + "\":\"ff-" + (serial++) + "\",\"ts\":"
                + (nowMs + 86_400_000L) + features + "}"), BadInputReason.FUTURE_TIMESTAMP);
    }

    /** A well-formed impression of about {@code bytes} bytes (one long categorical value): RECORD_TOO_LARGE. */
    Bad large(int bytes, long ts) {
        String head = "{\"id\":\"big-" + (serial++) + "\",\"ts\":" + ts + ",\"features\":{\"blob\":\"";
        String tail = "\"}}";
        byte[] b = new byte[Math.max(bytes, head.length() + tail.length())];
        byte[] h = utf8(head);
        byte[] t = utf8(tail);
        System.arraycopy(h, 0, b, 0, h.length);
        for (int i = h.length; i < b.length - t.length; i++) {
            b[i] = (byte) ('a' + random.nextInt(26));
        }
        System.arraycopy(t, 0, b, b.length - t.length, t.length);
        return new Bad(IMPRESSIONS, "large-" + bytes, b, BadInputReason.RECORD_TOO_LARGE);
    }

    private Bad make(Kind k, long ts) {
        return new Bad(k.topic, k.name, k.make.apply(ts), k.reason);
    }

    // ------------------------------------------------------------------------------------------------ kinds

    /** A kind drawn with relative frequency {@code weight}. */
    private void add(String name, int topic, BadInputReason reason, int weight, LongFunction<byte[]> make) {
        kinds.add(new Kind(name, topic, reason, 10 * weight, make));
    }

    /** A kind drawn a tenth as often as weight 1 (big records: 20 KB of nesting each). */
    private void addRare(String name, int topic, BadInputReason reason, LongFunction<byte[]> make) {
        kinds.add(new Kind(name, topic, reason, 1, make));
    }

    private String id() {
        return "bad-" + (serial++);
    }

    private String validImpression(long ts) {
        return "{\"id\":\"" + id() + "\",\"ts\":" + ts + ",\"features\":{\"user_id\":\"u" + random.nextInt(1000)
                + "\",\"hist_cats\":[\"c1\",\"c9\"],\"price\":12.5}}";
    }

    private String imp(String idJson, String tsJson, String featuresJson) {
        StringBuilder sb = new StringBuilder("{");
        String sep = "";
        if (idJson != null) {
            sb.append("\"id\":").append(idJson);
            sep = ",";
        }
        if (tsJson != null) {
            sb.append(sep).append("\"ts\":").append(tsJson);
            sep = ",";
        }
        if (featuresJson != null) {
            sb.append(sep).append("\"features\":").append(featuresJson);
        }
        return sb.append('}').toString();
    }

    private String q(String s) {
        return "\"" + s + "\"";
    }

    private void impressionKinds() {
        final int t = IMPRESSIONS;
        final BadInputReason json = BadInputReason.INVALID_JSON;
        add("truncated-json", t, json, 10, ts -> {
            byte[] full = utf8(validImpression(ts));
            return Arrays.copyOf(full, 1 + random.nextInt(full.length - 1));
        });
        add("truncated-utf8-at-end", t, json, 4, ts -> {
            byte[] head = utf8("{\"id\":\"" + id() + "-");
            byte[] cjk = "日本語".getBytes(StandardCharsets.UTF_8); // 3 bytes each
            int cut = 1 + random.nextInt(2); // inside the first character
            byte[] b = Arrays.copyOf(head, head.length + cut);
            System.arraycopy(cjk, 0, b, head.length, cut);
            return b;
        });
        add("truncated-utf8-inside", t, json, 4, ts -> concat(utf8("{\"id\":\"" + id() + "-"),
                Arrays.copyOf("日".getBytes(StandardCharsets.UTF_8), 2),
                utf8("\",\"ts\":" + ts + ",\"features\":{}}")));
        add("invalid-utf8", t, json, 4, ts -> concat(utf8("{\"id\":\"" + id() + "-"),
                new byte[] {(byte) 0xff, (byte) 0xfe}, utf8("\",\"ts\":" + ts + ",\"features\":{}}")));
        add("invalid-utf8-in-feature", t, json, 4, ts -> concat(utf8("{\"id\":\"" + id() + "\",\"ts\":" + ts
                + ",\"features\":{\"user_id\":\""), new byte[] {(byte) 0xc3, (byte) 0x28}, utf8("\"}}")));
        add("random-bytes", t, json, 4, ts -> {
            byte[] b = new byte[1 + random.nextInt(64)];
            random.nextBytes(b);
            b[0] = (byte) (0xf8 | random.nextInt(8)); // never a valid UTF-8 lead byte
            return b;
        });
        addRare("deep-nesting-arrays", t, json, ts -> utf8("{\"id\":\"" + id() + "\",\"ts\":" + ts
                + ",\"features\":{},\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}"));
        addRare("deep-nesting-objects", t, json, ts -> utf8("{\"id\":\"" + id() + "\",\"ts\":" + ts
                + ",\"features\":{},\"x\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}"));
        addRare("deep-nesting-in-features", t, BadInputReason.INVALID_JSON, ts -> utf8("{\"id\":\"" + id()
                + "\",\"ts\":" + ts + ",\"features\":{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}}"));
        add("feature-1e400", t, BadInputReason.NON_FINITE_NUMBER, 4,
                ts -> utf8(imp(q(id()), "" + ts, "{\"price\":1e400}")));
        add("ts-2^70", t, BadInputReason.MISSING_TS, 4,
                ts -> utf8(imp(q(id()), "1180591620717411303424", "{}")));
        add("ts-1e400", t, BadInputReason.NON_FINITE_NUMBER, 4, ts -> utf8(imp(q(id()), "1e400", "{}")));
        add("ts-2000-digits", t, json, 2, ts -> utf8(imp(q(id()), "9".repeat(2000), "{}")));
        add("ts-string", t, BadInputReason.MISSING_TS, 4, ts -> utf8(imp(q(id()), q("" + ts), "{}")));
        add("ts-fraction", t, BadInputReason.MISSING_TS, 4, ts -> utf8(imp(q(id()), ts + ".5", "{}")));
        add("ts-missing", t, BadInputReason.MISSING_TS, 4, ts -> utf8(imp(q(id()), null, "{}")));
        add("features-array", t, BadInputReason.INVALID_FEATURES, 4,
                ts -> utf8(imp(q(id()), "" + ts, "[\"a\",1]")));
        add("features-string", t, BadInputReason.INVALID_FEATURES, 4,
                ts -> utf8(imp(q(id()), "" + ts, q("user_id=u1"))));
        add("feature-value-object", t, BadInputReason.INVALID_FEATURES, 4,
                ts -> utf8(imp(q(id()), "" + ts, "{\"user\":{\"id\":\"u1\"}}")));
        add("feature-value-bool", t, BadInputReason.INVALID_FEATURES, 4,
                ts -> utf8(imp(q(id()), "" + ts, "{\"vip\":true}")));
        add("feature-array-of-numbers", t, BadInputReason.INVALID_FEATURES, 4,
                ts -> utf8(imp(q(id()), "" + ts, "{\"cats\":[1,2,3]}")));
        addRare("feature-1001-values", t, BadInputReason.INVALID_FEATURES, ts -> {
            StringBuilder sb = new StringBuilder("{\"cats\":[");
            for (int i = 0; i <= 1000; i++) {
                sb.append(i == 0 ? "" : ",").append("\"c").append(i).append('"');
            }
            return utf8(imp(q(id()), "" + ts, sb.append("]}").toString()));
        });
        add("features-missing", t, BadInputReason.INVALID_FEATURES, 4, ts -> utf8(imp(q(id()), "" + ts, null)));
        add("id-number", t, BadInputReason.MISSING_ID, 4, ts -> utf8(imp("12345", "" + ts, "{}")));
        add("id-missing", t, BadInputReason.MISSING_ID, 4, ts -> utf8(imp(null, "" + ts, "{}")));
        add("id-empty", t, BadInputReason.MISSING_ID, 4, ts -> utf8(imp(q(""), "" + ts, "{}")));
        add("id-too-long", t, BadInputReason.ID_TOO_LONG, 4,
                ts -> utf8(imp(q(id() + "-" + "x".repeat(257)), "" + ts, "{}")));
        add("feature-nan", t, BadInputReason.NON_FINITE_NUMBER, 4,
                ts -> utf8(imp(q(id()), "" + ts, "{\"price\":NaN}")));
        add("feature-minus-infinity", t, BadInputReason.NON_FINITE_NUMBER, 4,
                ts -> utf8(imp(q(id()), "" + ts, "{\"price\":-Infinity}")));
        add("truth-out-of-range", t, BadInputReason.LABEL_OUT_OF_RANGE, 4, ts -> utf8("{\"id\":\"" + id()
                + "\",\"ts\":" + ts + ",\"features\":{},\"truth\":{\"ctr\":1.5,\"cvr\":0.1}}"));
        add("empty-body", t, json, 4, ts -> new byte[0]);
        add("null-body", t, json, 4, ts -> null);
        add("whitespace-body", t, json, 2, ts -> utf8(" \n\t "));
        add("json-null", t, json, 2, ts -> utf8("null"));
        add("json-array", t, json, 2, ts -> utf8("[" + validImpression(ts) + "]"));
        add("trailing-content", t, json, 4, ts -> utf8(validImpression(ts) + "{"));
        add("far-future-day", t, BadInputReason.FUTURE_TIMESTAMP, 4,
                ts -> utf8(imp(q(id()), "" + (nowMs + 86_400_000L), "{\"user_id\":\"u1\"}")));
        add("far-future-2^62", t, BadInputReason.FUTURE_TIMESTAMP, 2,
                ts -> utf8(imp(q(id()), "" + (1L << 62), "{\"user_id\":\"u1\"}")));
        add("far-future-max", t, BadInputReason.FUTURE_TIMESTAMP, 2,
                ts -> utf8(imp(q(id()), "" + Long.MAX_VALUE, "{\"user_id\":\"u1\"}")));
    }

    private void eventKinds(int t) {
        final BadInputReason json = BadInputReason.INVALID_JSON;
        add("truncated-json", t, json, 6, ts -> {
            byte[] full = utf8("{\"impression_id\":\"" + id() + "\",\"ts\":" + ts + "}");
            return Arrays.copyOf(full, 1 + random.nextInt(full.length - 1));
        });
        add("invalid-utf8", t, json, 4, ts -> concat(utf8("{\"impression_id\":\"" + id() + "-"),
                new byte[] {(byte) 0xff}, utf8("\",\"ts\":" + ts + "}")));
        add("impression-id-missing", t, BadInputReason.MISSING_ID, 4, ts -> utf8("{\"id\":\"" + id()
                + "\",\"ts\":" + ts + "}"));
        add("impression-id-number", t, BadInputReason.MISSING_ID, 4, ts -> utf8("{\"impression_id\":7,\"ts\":"
                + ts + "}"));
        add("impression-id-too-long", t, BadInputReason.ID_TOO_LONG, 2, ts -> utf8("{\"impression_id\":\""
                + "y".repeat(300) + "\",\"ts\":" + ts + "}"));
        add("ts-string", t, BadInputReason.MISSING_TS, 4, ts -> utf8("{\"impression_id\":\"" + id()
                + "\",\"ts\":\"" + ts + "\"}"));
        add("ts-2^70", t, BadInputReason.MISSING_TS, 2, ts -> utf8("{\"impression_id\":\"" + id()
                + "\",\"ts\":1180591620717411303424}"));
        add("ts-nan", t, BadInputReason.NON_FINITE_NUMBER, 2, ts -> utf8("{\"impression_id\":\"" + id()
                + "\",\"ts\":NaN}"));
        add("far-future-day", t, BadInputReason.FUTURE_TIMESTAMP, 4, ts -> utf8("{\"impression_id\":\"" + id()
                + "\",\"ts\":" + (nowMs + 86_400_000L) + "}"));
        add("empty-body", t, json, 2, ts -> new byte[0]);
        add("null-body", t, json, 2, ts -> null);
        addRare("deep-nesting", t, json, ts -> utf8("{\"impression_id\":\"" + id() + "\",\"ts\":" + ts
                + ",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
