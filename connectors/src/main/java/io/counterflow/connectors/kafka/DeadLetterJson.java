package io.counterflow.connectors.kafka;

import io.counterflow.model.data.DeadLetter;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The dead-letter topic's record format, one JSON object per dead letter:
 *
 * <pre>{"source":"impressions","partition":0,"offset":17,"reason":"MISSING_TS","detail":"...","original":"{...}"}</pre>
 *
 * {@code original} is the rejected record as a string when its bytes are valid UTF-8; otherwise the bytes go,
 * base64-encoded, into {@code original_base64} instead (exactly one of the two is present; {@code "original":
 * null} when the record had no value). Written with Jackson's streaming generator, so every string is escaped.
 */
public final class DeadLetterJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private DeadLetterJson() {}

    public static byte[] toUtf8(DeadLetter d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("source", d.source);
            g.writeNumberField("partition", d.partition);
            g.writeNumberField("offset", d.offset);
            g.writeStringField("reason", d.reason == null ? null : d.reason.name());
            g.writeStringField("detail", d.detail);
            if (d.original == null) {
                g.writeNullField("original");
            } else {
                String text = utf8OrNull(d.original);
                if (text != null) {
                    g.writeStringField("original", text);
                } else {
                    g.writeStringField("original_base64", Base64.getEncoder().encodeToString(d.original));
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

    /** The bytes decoded as UTF-8, or {@code null} when they are not valid UTF-8. */
    static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
