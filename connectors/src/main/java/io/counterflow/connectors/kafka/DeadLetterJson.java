package io.counterflow.connectors.kafka;

import io.counterflow.model.data.DeadLetter;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The dead-letter topic's record format, version {@value #FORMAT}, one JSON object per dead letter
 * (docs/dead-letters.md):
 *
 * <pre>{"format":1,"source":"impressions","partition":0,"offset":17,"reason":"MISSING_TS","detail":"ts: missing",
 * "original_length":52,"original_sha256":"…","original":"{…}"}</pre>
 *
 * The rejected record's bytes are kept whole when they are at most {@value #MAX_ORIGINAL_BYTES} bytes: as the
 * string {@code original} when they are valid UTF-8, else base64 in {@code original_base64}. A longer record keeps
 * its first {@value #MAX_ORIGINAL_BYTES} bytes, base64, in {@code original_prefix_base64}, so that one dead letter
 * stays far below Kafka's default 1 MiB message limit whatever it rejected; {@code original_length} and {@code
 * original_sha256} always describe the whole record, and topic, partition and offset locate it. Exactly one of
 * the three {@code original*} payload fields is present, or {@code "original":null} when the record had no
 * value. Written with Jackson's streaming generator, so every string is escaped.
 *
 * <p>{@link #parse} reads the format back and rejects any other version with a message that names it.
 */
public final class DeadLetterJson {
    /** Version of the record format, written first as {@code "format"}. Readers reject every other value. */
    public static final int FORMAT = 1;
    /** Originals longer than this keep only their first this many bytes ({@code original_prefix_base64}). */
    public static final int MAX_ORIGINAL_BYTES = 64 * 1024;

    private static final JsonFactory FACTORY = new JsonFactory();

    private DeadLetterJson() {}

    public static byte[] toUtf8(DeadLetter d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            g.writeStringField("source", d.source);
            g.writeNumberField("partition", d.partition);
            g.writeNumberField("offset", d.offset);
            g.writeStringField("reason", d.reason == null ? null : d.reason.name());
            g.writeStringField("detail", d.detail);
            if (d.original == null) {
                g.writeNullField("original");
            } else {
                g.writeNumberField("original_length", d.original.length);
                g.writeStringField("original_sha256", sha256(d.original));
                if (d.original.length > MAX_ORIGINAL_BYTES) {
                    g.writeStringField("original_prefix_base64", Base64.getEncoder()
                            .encodeToString(Arrays.copyOf(d.original, MAX_ORIGINAL_BYTES)));
                } else {
                    String text = utf8OrNull(d.original);
                    if (text != null) {
                        g.writeStringField("original", text);
                    } else {
                        g.writeStringField("original_base64", Base64.getEncoder().encodeToString(d.original));
                    }
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen writing to memory
        }
        return out.toByteArray();
    }

    public static String toJson(DeadLetter d) {
        return new String(toUtf8(d), StandardCharsets.UTF_8);
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The bytes decoded as UTF-8, or {@code null} when they are not valid UTF-8. */
    static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Reads one dead-letter record. Throws {@link IllegalArgumentException} when it is not a JSON object with
     * {@code "format":1} (naming the version found), or a required field is missing.
     */
    public static Record parse(byte[] utf8) {
        Record r = new Record();
        Integer format = null;
        try (JsonParser p = FACTORY.createParser(utf8)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a dead-letter record: not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                boolean isNull = t == JsonToken.VALUE_NULL;
                switch (name) {
                    case "format":
                        if (t != JsonToken.VALUE_NUMBER_INT) {
                            throw new IllegalArgumentException("dead-letter record format \"" + p.getText()
                                    + "\" is not supported (this reader reads format " + FORMAT + ")");
                        }
                        format = p.getIntValue();
                        break;
                    case "source":
                        r.source = isNull ? null : p.getValueAsString();
                        break;
                    case "partition":
                        r.partition = p.getValueAsInt(-1);
                        break;
                    case "offset":
                        r.offset = p.getValueAsLong(-1);
                        break;
                    case "reason":
                        r.reason = isNull ? null : p.getValueAsString();
                        break;
                    case "detail":
                        r.detail = isNull ? null : p.getValueAsString();
                        break;
                    case "original_length":
                        r.originalLength = p.getValueAsLong(-1);
                        break;
                    case "original_sha256":
                        r.originalSha256 = isNull ? null : p.getValueAsString();
                        break;
                    case "original":
                        r.original = isNull ? null : p.getValueAsString().getBytes(StandardCharsets.UTF_8);
                        break;
                    case "original_base64":
                        r.original = Base64.getDecoder().decode(p.getValueAsString());
                        break;
                    case "original_prefix_base64":
                        r.original = Base64.getDecoder().decode(p.getValueAsString());
                        r.truncated = true;
                        break;
                    default:
                        p.skipChildren(); // fields added by later versions of the same format
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a dead-letter record: " + e.getMessage(), e);
        }
        if (format == null) {
            throw new IllegalArgumentException("not a dead-letter record of format " + FORMAT
                    + ": no \"format\" field");
        }
        if (format != FORMAT) {
            throw new IllegalArgumentException("dead-letter record format " + format
                    + " is not supported (this reader reads format " + FORMAT + ")");
        }
        if (r.source == null || r.reason == null) {
            throw new IllegalArgumentException("not a dead-letter record: \"source\" and \"reason\" are required");
        }
        return r;
    }

    /** A dead-letter record as read by {@link #parse}. */
    public static final class Record {
        public String source;
        public int partition = -1;
        public long offset = -1;
        /** The reason's name ({@code BadInputReason}); a string, so that reasons added later still read. */
        public String reason;
        public String detail;
        /** The original bytes, or their first {@link #MAX_ORIGINAL_BYTES} when {@link #truncated}; null: none. */
        public byte[] original;
        public boolean truncated;
        /** Length of the whole original in bytes; -1 when the record had no value. */
        public long originalLength = -1;
        /** SHA-256 (hex) of the whole original; null when the record had no value. */
        public String originalSha256;

        @Override
        public String toString() {
            return "DeadLetterJson.Record{" + reason + " " + source + "[" + partition + "]@" + offset + "}";
        }
    }
}
