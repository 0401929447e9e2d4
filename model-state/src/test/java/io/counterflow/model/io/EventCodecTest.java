package io.counterflow.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

class EventCodecTest {
    private static final String FEATURES =
            "{\"user_id\":\"u1\",\"item_id\":\"i9\",\"user_age\":\"3\",\"hist_cats\":[\"c1\",\"c9\"],\"price\":12.5}";

    private final EventCodec codec = new EventCodec();

    private static String sample(String labels) {
        return "{\"id\":\"imp-1\",\"ts\":1700000000000," + labels + ",\"features\":" + FEATURES + "}";
    }

    @Test
    void parsesTheContractExamples() throws Exception {
        Impression imp = codec.parseImpression(
                "{\"id\":\"imp-1\",\"ts\":1700000000000,\"features\":" + FEATURES + "}");
        assertThat(imp.id).isEqualTo("imp-1");
        assertThat(imp.ts).isEqualTo(1700000000000L);
        assertThat(imp.truth).isNull();
        assertThat(imp.features.catNames).containsExactly("user_id", "item_id", "user_age");
        assertThat(imp.features.catValues).containsExactly("u1", "i9", "3");
        assertThat(imp.features.multiNames).containsExactly("hist_cats");
        assertThat(imp.features.multiValues[0]).containsExactly("c1", "c9");
        assertThat(imp.features.numNames).containsExactly("price");
        assertThat(imp.features.numValues).containsExactly(12.5);

        assertThat(codec.parseClick("{\"impression_id\":\"imp-1\",\"ts\":1700000004000}"))
                .isEqualTo(new Click("imp-1", 1700000004000L));
        assertThat(codec.parseConversion("{\"impression_id\":\"imp-1\",\"ts\":1700003600000}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new Conversion("imp-1", 1700003600000L));

        LabeledSample s = codec.parseSample(sample("\"click\":1,\"conversion\":0"));
        assertThat(s.click).isEqualTo(1);
        assertThat(s.conversion).isZero();
        assertThat(s.features).isEqualTo(imp.features);
    }

    @Test
    void parsesAWindowOfALargerBuffer() throws Exception {
        byte[] buf = ("garbage{\"impression_id\":\"x\",\"ts\":5}more").getBytes(StandardCharsets.UTF_8);
        assertThat(codec.parseClick(buf, 7, buf.length - 11)).isEqualTo(new Click("x", 5));
    }

    @Test
    void skipsUnknownFieldsOfAnyShape() throws Exception {
        Impression imp = codec.parseImpression("{\"meta\":{\"a\":[1,{\"b\":null}],\"features\":7},\"id\":\"a\","
                + "\"extra\":[[],{}],\"ts\":3,\"click\":\"not a label here\",\"features\":{\"f\":\"v\"},\"z\":true}");
        assertThat(imp.id).isEqualTo("a");
        assertThat(imp.ts).isEqualTo(3);
        assertThat(imp.features.catValues).containsExactly("v");
        // an impression's "id" is unknown to a click and skipped there
        assertThat(codec.parseClick("{\"id\":\"other\",\"impression_id\":\"a\",\"ts\":4,\"features\":[1]}"))
                .isEqualTo(new Click("a", 4));
    }

    @Test
    void readsTruthAndAcceptsIntegralFloatsForTsAndLabels() throws Exception {
        LabeledSample s = codec.parseSample("{\"id\":\"a\",\"ts\":1.7E12,\"click\":1.0,\"conversion\":1,"
                + "\"features\":{},\"truth\":{\"ctr\":0.03,\"cvr\":0.125,\"note\":\"x\"}}");
        assertThat(s.ts).isEqualTo(1_700_000_000_000L);
        assertThat(s.click).isEqualTo(1);
        assertThat(s.conversion).isEqualTo(1);
        assertThat(s.truth).isEqualTo(new Truth(0.03, 0.125));
        assertThat(s.features.catNames).isEmpty();
        assertThat(codec.parseSample(sample("\"click\":0,\"conversion\":0,\"truth\":null")).truth).isNull();
    }

    @Test
    void keepsFeatureOrderWithinEachKindAndSharesRepeatedNameArrays() throws Exception {
        Impression a = codec.parseImpression("{\"id\":\"a\",\"ts\":1,\"features\":{\"z\":\"1\",\"n2\":2,\"a\":\"2\",\"n1\":1}}");
        Impression b = codec.parseImpression("{\"id\":\"b\",\"ts\":2,\"features\":{\"z\":\"3\",\"n2\":4,\"a\":\"5\",\"n1\":6}}");
        assertThat(a.features.catNames).containsExactly("z", "a");
        assertThat(a.features.numNames).containsExactly("n2", "n1");
        assertThat(b.features.catNames).isSameAs(a.features.catNames);
        assertThat(b.features.catValues).containsExactly("3", "5");
        assertThat(a.features.catValues).containsExactly("1", "2");
        assertThat(b.features.numValues).containsExactly(4.0, 6.0);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "INVALID_JSON | `{\"id\":\"a\",`",
        "INVALID_JSON | `not json`",
        "INVALID_JSON | `[1,2]`",
        "INVALID_JSON | `\"imp\"`",
        "INVALID_JSON | ``",
        "INVALID_JSON | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{}} {}`",
        "INVALID_JSON | `{\"id\":\"a\",\"ts\":1,\"click\":7,\"conversion\":0,\"features\":{} ,}`",
        "MISSING_ID | `{\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{}}`",
        "MISSING_ID | `{\"id\":\"\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{}}`",
        "MISSING_ID | `{\"id\":17,\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{}}`",
        "MISSING_ID | `{\"id\":null,\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{}}`",
        "MISSING_TS | `{\"id\":\"a\",\"click\":1,\"conversion\":0,\"features\":{}}`",
        "MISSING_TS | `{\"id\":\"a\",\"ts\":\"1700000000000\",\"click\":1,\"conversion\":0,\"features\":{}}`",
        "MISSING_TS | `{\"id\":\"a\",\"ts\":1.5,\"click\":1,\"conversion\":0,\"features\":{}}`",
        "MISSING_TS | `{\"id\":\"a\",\"ts\":99999999999999999999,\"click\":1,\"conversion\":0,\"features\":{}}`",
        "LABEL_OUT_OF_RANGE | `{\"id\":\"a\",\"ts\":1,\"click\":2,\"conversion\":0,\"features\":{}}`",
        "LABEL_OUT_OF_RANGE | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":-1,\"features\":{}}`",
        "LABEL_OUT_OF_RANGE | `{\"id\":\"a\",\"ts\":1,\"click\":0.5,\"conversion\":0,\"features\":{}}`",
        "LABEL_OUT_OF_RANGE | `{\"id\":\"a\",\"ts\":1,\"click\":\"1\",\"conversion\":0,\"features\":{}}`",
        "LABEL_OUT_OF_RANGE | `{\"id\":\"a\",\"ts\":1,\"conversion\":0,\"features\":{}}`",
        "LABEL_OUT_OF_RANGE | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"features\":{}}`",
        "CONVERSION_WITHOUT_CLICK | `{\"id\":\"a\",\"ts\":1,\"click\":0,\"conversion\":1,\"features\":{}}`",
        "NON_FINITE_NUMBER | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"price\":NaN}}`",
        "NON_FINITE_NUMBER | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"price\":-Infinity}}`",
        "NON_FINITE_NUMBER | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"price\":Infinity}}`",
        "NON_FINITE_NUMBER | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"price\":1e400}}`",
        "NON_FINITE_NUMBER | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{},\"truth\":{\"ctr\":NaN,\"cvr\":0.1}}`",
        "NON_FINITE_NUMBER | `{\"id\":\"a\",\"ts\":NaN,\"click\":1,\"conversion\":0,\"features\":{}}`",
        "INVALID_FEATURES | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0}`",
        "INVALID_FEATURES | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":[\"x\"]}`",
        "INVALID_FEATURES | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"f\":{\"g\":1}}}`",
        "INVALID_FEATURES | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"f\":null}}`",
        "INVALID_FEATURES | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"f\":true}}`",
        "INVALID_FEATURES | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"f\":[\"a\",1]}}`",
        "INVALID_FEATURES | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"f\":[[\"a\"]]}}`",
        "INVALID_JSON | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{},\"truth\":{\"ctr\":0.1}}`",
        "LABEL_OUT_OF_RANGE | `{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{},\"truth\":{\"ctr\":0.1,\"cvr\":1.5}}`",
    })
    void rejectsBadSamplesWithTheContractReason(BadInputReason reason, String json) {
        assertThatThrownBy(() -> codec.parseSample(json))
                .isInstanceOfSatisfying(BadInputException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void rejectsBadEvents() {
        assertReason(() -> codec.parseClick("{\"ts\":1}"), BadInputReason.MISSING_ID);
        assertReason(() -> codec.parseClick("{\"id\":\"imp-1\",\"ts\":1}"), BadInputReason.MISSING_ID);
        assertReason(() -> codec.parseConversion("{\"impression_id\":\"imp-1\"}"), BadInputReason.MISSING_TS);
        assertReason(() -> codec.parseImpression("{\"id\":\"a\",\"ts\":1}"), BadInputReason.INVALID_FEATURES);
        assertReason(() -> codec.parseImpression("{\"id\":\"a\",\"ts\":1,\"features\":{\"p\":NaN}}"),
                BadInputReason.NON_FINITE_NUMBER);
        assertReason(() -> codec.parseImpression(new byte[] {(byte) 0xC3, 0x28}), BadInputReason.INVALID_JSON);
    }

    @Test
    void idLengthIsCountedInCharactersUpTo256() throws Exception {
        String ok = "x".repeat(EventCodec.MAX_ID_LENGTH);
        assertThat(codec.parseClick("{\"impression_id\":\"" + ok + "\",\"ts\":1}").impressionId).isEqualTo(ok);
        // 256 characters outside the BMP are 512 UTF-16 units and still allowed
        String astral = "\uD83D\uDE00".repeat(EventCodec.MAX_ID_LENGTH);
        assertThat(codec.parseClick("{\"impression_id\":\"" + astral + "\",\"ts\":1}").impressionId).isEqualTo(astral);
        assertReason(() -> codec.parseClick("{\"impression_id\":\"" + ok + "y\",\"ts\":1}"), BadInputReason.ID_TOO_LONG);
    }

    @Test
    void multiValuedFeaturesHoldAtMost1000Entries() throws Exception {
        String thousand = "[" + "\"v\",".repeat(999) + "\"v\"]";
        Impression imp = codec.parseImpression("{\"id\":\"a\",\"ts\":1,\"features\":{\"m\":" + thousand + "}}");
        assertThat(imp.features.multiValues[0]).hasSize(1000);
        String tooMany = "[" + "\"v\",".repeat(1000) + "\"v\"]";
        assertReason(() -> codec.parseImpression("{\"id\":\"a\",\"ts\":1,\"features\":{\"m\":" + tooMany + "}}"),
                BadInputReason.INVALID_FEATURES);
        assertThat(codec.parseImpression("{\"id\":\"a\",\"ts\":1,\"features\":{\"m\":[]}}").features.multiValues[0])
                .isEmpty();
    }

    @Test
    void detailNamesTheFieldAndTruncatedValue() {
        BadInputException e = catchBad(() -> codec.parseSample(sample("\"click\":3,\"conversion\":0")));
        assertThat(e.detail()).isEqualTo("click: 3");
        e = catchBad(() -> codec.parseSample(
                "{\"id\":\"a\",\"ts\":1,\"click\":1,\"conversion\":0,\"features\":{\"price\":NaN}}"));
        assertThat(e.detail()).isEqualTo("features.price: NaN");
        e = catchBad(() -> codec.parseClick("{\"impression_id\":\"" + "q".repeat(300) + "\",\"ts\":1}"));
        assertThat(e.detail()).startsWith("impression_id: 300 characters").endsWith("q".repeat(64) + "...");
        assertThat(e.getStackTrace()).isEmpty();
    }

    @Test
    void wellFormednessWinsOverFieldProblemsAndTheFirstFieldProblemWins() {
        // click out of range but the record is cut off: INVALID_JSON
        assertReason(() -> codec.parseSample("{\"id\":\"a\",\"ts\":1,\"click\":5,\"conversion\":0,\"features\":{"),
                BadInputReason.INVALID_JSON);
        assertReason(() -> codec.parseSample("{\"click\":5,\"id\":\"\",\"ts\":1,\"conversion\":0,\"features\":{}}"),
                BadInputReason.LABEL_OUT_OF_RANGE);
        assertReason(() -> codec.parseSample("{\"id\":\"\",\"click\":5,\"ts\":1,\"conversion\":0,\"features\":{}}"),
                BadInputReason.MISSING_ID);
    }

    @Test
    void writersRoundTripExactly() throws Exception {
        Features f = new Features(new String[] {"user_id", "q\"uote"}, new String[] {"u\u00e91", "line\nbreak"},
                new String[] {"hist_cats"}, new String[][] {{"c1", "c9", "\u6f22"}},
                new String[] {"price", "tiny", "big", "neg"}, new double[] {12.5, 1e-300, 0.1 + 0.2, -3.0});
        Truth truth = new Truth(0.031234567890123456, 1.0 / 3);
        Impression imp = new Impression("imp-1", 1700000000000L, f, truth);
        assertThat(codec.parseImpression(codec.toJson(imp))).isEqualTo(imp);
        assertThat(codec.parseImpression(codec.toUtf8(imp))).isEqualTo(imp);
        LabeledSample s = new LabeledSample("s-9", -5, 1, 1, f, null);
        assertThat(codec.parseSample(codec.toJson(s))).isEqualTo(s);
        Click c = new Click("imp-1", Long.MAX_VALUE);
        assertThat(codec.parseClick(codec.toJson(c))).isEqualTo(c);
        Conversion v = new Conversion("imp-1", Long.MIN_VALUE);
        assertThat(codec.parseConversion(codec.toUtf8(v))).isEqualTo(v);
        assertThat(codec.toJson(new Click("imp-1", 17))).isEqualTo("{\"impression_id\":\"imp-1\",\"ts\":17}");
    }

    @Test
    void predictionLineHasTheContractKeysAndProduct() throws Exception {
        String line = codec.predictionToJson("imp-1", 0.031, 0.12);
        JsonNode node = new ObjectMapper().readTree(line);
        assertThat(node.fieldNames()).toIterable().containsExactly("id", "ctr", "cvr", "ctcvr");
        assertThat(node.get("id").asText()).isEqualTo("imp-1");
        assertThat(node.get("ctr").asDouble()).isEqualTo(0.031);
        assertThat(node.get("cvr").asDouble()).isEqualTo(0.12);
        assertThat(node.get("ctcvr").asDouble()).isEqualTo(0.031 * 0.12);
    }

    @Test
    void writersRefuseWhatTheParserWouldReject() {
        Features nan = new Features(Features.NO_STRINGS, Features.NO_STRINGS, Features.NO_STRINGS, new String[0][],
                new String[] {"p"}, new double[] {Double.NaN});
        assertThatThrownBy(() -> codec.toJson(new Impression("a", 1, nan, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p");
        assertThatThrownBy(() -> codec.toJson(new LabeledSample("a", 1, 0, 1, new Features(), null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.predictionToJson("a", Double.POSITIVE_INFINITY, 0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ctr");
    }

    private interface Call {
        void run() throws Exception;
    }

    private static BadInputException catchBad(Call call) {
        try {
            call.run();
        } catch (BadInputException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected BadInputException");
    }

    private static void assertReason(Call call, BadInputReason reason) {
        assertThat(catchBad(call).reason()).isEqualTo(reason);
    }
}
