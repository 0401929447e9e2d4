package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Impression;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** {@link EventDeserializers}: valid records parse, every kind of bad record becomes a dead letter, none throws. */
class EventDeserializersTest {

    @Test
    void validRecordsParse() throws Exception {
        List<Parsed<Impression>> out = run(EventDeserializers.impressions(), "impressions",
                "{\"id\":\"imp-1\",\"ts\":1700000000000,\"features\":{\"user_id\":\"u1\",\"price\":12.5}}");
        assertThat(out).hasSize(1);
        assertThat(out.get(0).isOk()).isTrue();
        assertThat(out.get(0).value.id).isEqualTo("imp-1");
        List<Parsed<Click>> clicks = run(EventDeserializers.clicks(), "clicks",
                "{\"impression_id\":\"imp-1\",\"ts\":1700000004000}");
        assertThat(clicks.get(0).value).isEqualTo(new Click("imp-1", 1700000004000L));
    }

    @Test
    void everyContractBadInputBecomesADeadLetterWithWhereItCameFrom() throws Exception {
        String longId = "x".repeat(257);
        String[] bad = {
            "{\"id\":", // INVALID_JSON
            "{\"ts\":1,\"features\":{}}", // MISSING_ID
            "{\"id\":\"" + longId + "\",\"ts\":1,\"features\":{}}", // ID_TOO_LONG
            "{\"id\":\"a\",\"features\":{}}", // MISSING_TS
            "{\"id\":\"a\",\"ts\":1,\"features\":{\"p\":NaN}}", // NON_FINITE_NUMBER
            "{\"id\":\"a\",\"ts\":1,\"features\":{\"p\":{\"q\":1}}}", // INVALID_FEATURES
            "{\"id\":\"a\",\"ts\":1,\"features\":{},\"truth\":{\"ctr\":1.5,\"cvr\":0.1}}", // LABEL_OUT_OF_RANGE
        };
        List<Parsed<Impression>> out = run(EventDeserializers.impressions(), "impressions", bad);
        assertThat(out).extracting(p -> p.deadLetter.reason).containsExactly(BadInputReason.INVALID_JSON,
                BadInputReason.MISSING_ID, BadInputReason.ID_TOO_LONG, BadInputReason.MISSING_TS,
                BadInputReason.NON_FINITE_NUMBER, BadInputReason.INVALID_FEATURES,
                BadInputReason.LABEL_OUT_OF_RANGE);
        for (int i = 0; i < out.size(); i++) {
            DeadLetter d = out.get(i).deadLetter;
            assertThat(out.get(i).isOk()).isFalse();
            assertThat(d.source).isEqualTo("impressions");
            assertThat(d.partition).isEqualTo(3);
            assertThat(d.offset).isEqualTo(100 + i);
            assertThat(d.original).isEqualTo(bad[i].getBytes(StandardCharsets.UTF_8));
            assertThat(d.detail).isNotBlank();
        }
    }

    @Test
    void nullValuesAndRandomBytesNeverThrow() throws Exception {
        KafkaRecordDeserializationSchema<Parsed<Click>> schema = EventDeserializers.clicks();
        List<Parsed<Click>> out = new ArrayList<>();
        schema.deserialize(new ConsumerRecord<>("clicks", 0, 0L, null, null), collector(out));
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[random.nextInt(40)];
            random.nextBytes(b);
            schema.deserialize(new ConsumerRecord<>("clicks", 0, i + 1L, null, b), collector(out));
        }
        assertThat(out).hasSize(2001).allSatisfy(p -> assertThat(p.isOk()).isFalse());
        assertThat(out.get(0).deadLetter.reason).isEqualTo(BadInputReason.INVALID_JSON);
        assertThat(out.get(0).deadLetter.original).isNull();
    }

    @Test
    void producedTypeIsAPojoWithExplicitFieldTypes() {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes();
        for (KafkaRecordDeserializationSchema<?> s : List.of(EventDeserializers.impressions(),
                EventDeserializers.clicks(), EventDeserializers.conversions())) {
            assertThat(s.getProducedType()).isInstanceOf(PojoTypeInfo.class);
            s.getProducedType().createSerializer(config); // throws if any field fell back to Kryo
        }
    }

    @Test
    void aRecordOverTheSizeLimitIsRecordTooLargeWithoutBeingParsed() throws Exception {
        KafkaRecordDeserializationSchema<Parsed<Impression>> schema = EventDeserializers.impressions(1024,
                Duration.ofMinutes(5));
        String valid = "{\"id\":\"imp-1\",\"ts\":1700000000000,\"features\":{\"blob\":\"";
        byte[] atLimit = (valid + "a".repeat(1024 - valid.length() - 3) + "\"}}").getBytes(StandardCharsets.UTF_8);
        byte[] over = (valid + "a".repeat(1024 - valid.length() - 2) + "\"}}").getBytes(StandardCharsets.UTF_8);
        assertThat(atLimit).hasSize(1024);
        List<Parsed<Impression>> out = new ArrayList<>();
        schema.deserialize(new ConsumerRecord<>("impressions", 0, 1L, null, atLimit), collector(out));
        schema.deserialize(new ConsumerRecord<>("impressions", 0, 2L, null, over), collector(out));
        assertThat(out.get(0).isOk()).isTrue();
        DeadLetter d = out.get(1).deadLetter;
        assertThat(d.reason).isEqualTo(BadInputReason.RECORD_TOO_LARGE);
        assertThat(d.detail).contains("1025 bytes").contains(CounterflowKafkaSources.MAX_RECORD_BYTES.key());
        assertThat(d.original).isEqualTo(over);
    }

    @Test
    void anEventFurtherAheadOfTheClockThanTheSkewIsAFutureTimestamp() throws Exception {
        long now = System.currentTimeMillis();
        KafkaRecordDeserializationSchema<Parsed<Click>> schema = EventDeserializers.clicks(1 << 20,
                Duration.ofMinutes(5));
        List<Parsed<Click>> out = new ArrayList<>();
        long[] ts = {now - 3_600_000L, now + 60_000L, now + 3_600_000L, Long.MAX_VALUE, Long.MIN_VALUE, 0};
        for (int i = 0; i < ts.length; i++) {
            byte[] v = ("{\"impression_id\":\"imp-1\",\"ts\":" + ts[i] + "}").getBytes(StandardCharsets.UTF_8);
            schema.deserialize(new ConsumerRecord<>("clicks", 0, i, null, v), collector(out));
        }
        assertThat(out).extracting(p -> p.isOk() ? null : p.deadLetter.reason).containsExactly(null, null,
                BadInputReason.FUTURE_TIMESTAMP, BadInputReason.FUTURE_TIMESTAMP, null, null);
        assertThat(out.get(2).deadLetter.detail).contains(CounterflowKafkaSources.MAX_FUTURE_SKEW.key());
        // the default skew (5 minutes) applies to the no-argument factories
        List<Parsed<Impression>> imp = run(EventDeserializers.impressions(), "impressions",
                "{\"id\":\"a\",\"ts\":" + (now + 86_400_000L) + ",\"features\":{}}");
        assertThat(imp.get(0).deadLetter.reason).isEqualTo(BadInputReason.FUTURE_TIMESTAMP);
    }

    @Test
    void deepNestingHugeNumbersAndWrongTypesAreDeadLettersNotFailures() throws Exception {
        String[] bad = {
            "{\"id\":\"a\",\"ts\":1,\"features\":{},\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}",
            "{\"id\":\"a\",\"ts\":1,\"features\":{\"p\":1e400}}",
            "{\"id\":\"a\",\"ts\":1180591620717411303424,\"features\":{}}",
            "{\"id\":\"a\",\"ts\":\"1\",\"features\":{}}",
            "{\"id\":\"a\",\"ts\":1,\"features\":[\"a\"]}",
            "",
        };
        assertThat(run(EventDeserializers.impressions(), "impressions", bad)).extracting(p -> p.deadLetter.reason)
                .containsExactly(BadInputReason.INVALID_JSON, BadInputReason.NON_FINITE_NUMBER,
                        BadInputReason.MISSING_TS, BadInputReason.MISSING_TS, BadInputReason.INVALID_FEATURES,
                        BadInputReason.INVALID_JSON);
    }

    private static <T> List<Parsed<T>> run(KafkaRecordDeserializationSchema<Parsed<T>> schema, String topic,
            String... values) throws Exception {
        List<Parsed<T>> out = new ArrayList<>();
        long offset = 100;
        for (String v : values) {
            schema.deserialize(new ConsumerRecord<>(topic, 3, offset++, null, v.getBytes(StandardCharsets.UTF_8)),
                    collector(out));
        }
        return out;
    }

    private static <T> Collector<T> collector(List<T> out) {
        return new Collector<>() {
            @Override
            public void collect(T record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}
