package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.DeadLetter;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** {@link DeadLetterJson}: format 1 on the wire, originals whole or as a prefix, and a reader that checks the version. */
class DeadLetterJsonTest {

    @Test
    void writesTheFormatFirstAndKeepsUtf8AsText() {
        byte[] original = "{\"impression_id\":\"é\"}".getBytes(StandardCharsets.UTF_8);
        DeadLetter text = new DeadLetter("clicks", 1, 7, BadInputReason.MISSING_TS, "ts: absent", original);
        assertThat(DeadLetterJson.toJson(text)).isEqualTo("{\"format\":1,\"source\":\"clicks\",\"partition\":1,"
                + "\"offset\":7,\"reason\":\"MISSING_TS\",\"detail\":\"ts: absent\",\"original_length\":"
                + original.length + ",\"original_sha256\":\"" + DeadLetterJson.sha256(original) + "\","
                + "\"original\":\"{\\\"impression_id\\\":\\\"é\\\"}\"}");
        DeadLetterJson.Record r = DeadLetterJson.parse(DeadLetterJson.toUtf8(text));
        assertThat(r.source).isEqualTo("clicks");
        assertThat(r.partition).isEqualTo(1);
        assertThat(r.offset).isEqualTo(7);
        assertThat(r.reason).isEqualTo("MISSING_TS");
        assertThat(r.detail).isEqualTo("ts: absent");
        assertThat(r.original).isEqualTo(original);
        assertThat(r.truncated).isFalse();
        assertThat(r.originalLength).isEqualTo(original.length);
    }

    @Test
    void keepsOtherBytesAsBase64AndANullValueAsNull() {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x41};
        DeadLetter bin = new DeadLetter("clicks", 1, 8, BadInputReason.INVALID_JSON, "x", binary);
        assertThat(DeadLetterJson.toJson(bin)).contains("\"original_base64\":\""
                + Base64.getEncoder().encodeToString(binary) + "\"").doesNotContain("\"original\":");
        assertThat(DeadLetterJson.parse(DeadLetterJson.toUtf8(bin)).original).isEqualTo(binary);
        DeadLetter none = new DeadLetter("clicks", 0, 9, BadInputReason.INVALID_JSON, "null record value", null);
        assertThat(DeadLetterJson.toJson(none)).contains("\"original\":null").doesNotContain("original_length");
        DeadLetterJson.Record r = DeadLetterJson.parse(DeadLetterJson.toUtf8(none));
        assertThat(r.original).isNull();
        assertThat(r.originalLength).isEqualTo(-1);
    }

    @Test
    void aLargeOriginalKeepsItsPrefixWithTheWholeLengthAndHash() {
        byte[] big = new byte[10 << 20];
        Arrays.fill(big, (byte) 'a');
        big[0] = '{';
        DeadLetter d = new DeadLetter("impressions", 0, 3, BadInputReason.RECORD_TOO_LARGE, "too large", big);
        byte[] json = DeadLetterJson.toUtf8(d);
        assertThat(json.length).as("far below Kafka's 1 MiB default").isLessThan(100_000);
        DeadLetterJson.Record r = DeadLetterJson.parse(json);
        assertThat(r.truncated).isTrue();
        assertThat(r.original).isEqualTo(Arrays.copyOf(big, DeadLetterJson.MAX_ORIGINAL_BYTES));
        assertThat(r.originalLength).isEqualTo(big.length);
        assertThat(r.originalSha256).isEqualTo(DeadLetterJson.sha256(big)).hasSize(64);
        // at the limit the original is still whole
        byte[] atLimit = Arrays.copyOf(big, DeadLetterJson.MAX_ORIGINAL_BYTES);
        DeadLetterJson.Record whole = DeadLetterJson.parse(DeadLetterJson.toUtf8(
                new DeadLetter("impressions", 0, 4, BadInputReason.INVALID_JSON, "x", atLimit)));
        assertThat(whole.truncated).isFalse();
        assertThat(whole.original).isEqualTo(atLimit);
    }

    @Test
    void theReaderRejectsOtherFormatsWithAClearMessage() {
        assertThatThrownBy(() -> DeadLetterJson.parse(utf8("{\"format\":2,\"source\":\"clicks\",\"reason\":\"X\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dead-letter record format 2 is not supported (this reader reads format 1)");
        assertThatThrownBy(() -> DeadLetterJson.parse(utf8("{\"source\":\"clicks\",\"reason\":\"MISSING_TS\"}")))
                .hasMessageContaining("no \"format\" field");
        assertThatThrownBy(() -> DeadLetterJson.parse(utf8("{\"format\":\"1\",\"source\":\"c\",\"reason\":\"X\"}")))
                .hasMessageContaining("format \"1\" is not supported");
        assertThatThrownBy(() -> DeadLetterJson.parse(utf8("[1]"))).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> DeadLetterJson.parse(utf8("{\"format\":1,\"source\":\"c\"}")))
                .hasMessageContaining("\"reason\"");
    }

    @Test
    void unknownFieldsOfTheSameFormatAreSkipped() {
        DeadLetterJson.Record r = DeadLetterJson.parse(utf8("{\"format\":1,\"later\":{\"a\":[1]},\"source\":\"c\","
                + "\"partition\":2,\"offset\":5,\"reason\":\"SOMETHING_NEW\",\"detail\":null,\"original\":\"x\"}"));
        assertThat(r.reason).isEqualTo("SOMETHING_NEW");
        assertThat(r.original).isEqualTo(utf8("x"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
