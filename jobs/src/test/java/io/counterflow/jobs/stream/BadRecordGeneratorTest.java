package io.counterflow.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.connectors.kafka.EventDeserializers;
import io.counterflow.connectors.kafka.Parsed;
import io.counterflow.model.data.BadInputReason;

import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** Every kind of {@link BadRecordGenerator} record gets its declared reason from the real deserializers. */
class BadRecordGeneratorTest {
    private static final long T = 1_700_000_000_000L;

    @Test
    void everyKindGetsItsDeclaredReason() throws Exception {
        BadRecordGenerator g = new BadRecordGenerator(7, System.currentTimeMillis());
        List<BadRecordGenerator.Bad> all = new ArrayList<>(g.oneOfEach(T));
        for (int i = 0; i < 5000; i++) {
            all.add(g.next(T + i));
        }
        for (int topic = 0; topic < 3; topic++) {
            all.add(g.farFuture(topic));
        }
        all.add(g.large(2 << 20, T));
        for (BadRecordGenerator.Bad b : all) {
            assertThat(reasonOf(b)).as(b.topic() + "/" + b.kind()).isEqualTo(b.reason());
        }
        // every reason a source can give is among the generated records
        assertThat(all).extracting(BadRecordGenerator.Bad::reason).contains(BadInputReason.INVALID_JSON,
                BadInputReason.MISSING_ID, BadInputReason.ID_TOO_LONG, BadInputReason.MISSING_TS,
                BadInputReason.LABEL_OUT_OF_RANGE, BadInputReason.NON_FINITE_NUMBER, BadInputReason.INVALID_FEATURES,
                BadInputReason.FUTURE_TIMESTAMP, BadInputReason.RECORD_TOO_LARGE);
    }

    static BadInputReason reasonOf(BadRecordGenerator.Bad b) throws Exception {
        KafkaRecordDeserializationSchema<? extends Parsed<?>> schema = b.topic() == BadRecordGenerator.IMPRESSIONS
                ? EventDeserializers.impressions()
                : b.topic() == BadRecordGenerator.CLICKS ? EventDeserializers.clicks() : EventDeserializers.conversions();
        List<Parsed<?>> out = new ArrayList<>();
        @SuppressWarnings({"unchecked", "rawtypes"})
        KafkaRecordDeserializationSchema<Parsed<?>> s = (KafkaRecordDeserializationSchema) schema;
        s.deserialize(new ConsumerRecord<>("t", 0, 0L, null, b.value()), new Collector<>() {
            @Override
            public void collect(Parsed<?> record) {
                out.add(record);
            }

            @Override
            public void close() {}
        });
        assertThat(out).hasSize(1);
        return out.get(0).isOk() ? null : out.get(0).deadLetter.reason;
    }
}
