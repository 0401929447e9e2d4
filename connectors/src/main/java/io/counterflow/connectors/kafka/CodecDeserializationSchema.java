package io.counterflow.connectors.kafka;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.io.BadInputException;
import io.counterflow.model.io.EventCodec;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * See {@link EventDeserializers}. One {@link EventCodec} per instance (it is not thread-safe).
 *
 * <p>Two checks come before and after parsing: a record over {@code maxRecordBytes} is a {@code RECORD_TOO_LARGE}
 * dead letter without being parsed, and a parsed event whose {@code ts} is more than {@code maxFutureSkewMs} ahead
 * of this JVM's clock is a {@code FUTURE_TIMESTAMP} dead letter, so that it never reaches the watermark generator
 * (one such event would otherwise move its split's watermark into the future and close everyone's windows).
 */
final class CodecDeserializationSchema<T> implements KafkaRecordDeserializationSchema<Parsed<T>> {
    private static final long serialVersionUID = 1L;

    private final EventType type;
    private final Class<T> valueClass;
    private final int maxRecordBytes;
    private final long maxFutureSkewMs;
    private transient EventCodec codec;

    CodecDeserializationSchema(EventType type, Class<T> valueClass, int maxRecordBytes, long maxFutureSkewMs) {
        if (type.valueClass() != valueClass) {
            throw new IllegalArgumentException(type + " parses " + type.valueClass() + ", not " + valueClass);
        }
        if (maxRecordBytes < 1 || maxFutureSkewMs < 0) {
            throw new IllegalArgumentException("maxRecordBytes must be positive and maxFutureSkewMs non-negative");
        }
        this.type = type;
        this.valueClass = valueClass;
        this.maxRecordBytes = maxRecordBytes;
        this.maxFutureSkewMs = maxFutureSkewMs;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        codec = new EventCodec();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Parsed<T>> out) {
        if (codec == null) {
            codec = new EventCodec(); // open() is optional for callers outside a source
        }
        byte[] bytes = record.value();
        if (bytes == null) {
            out.collect(Parsed.bad(deadLetter(record, BadInputReason.INVALID_JSON, "null record value")));
            return;
        }
        if (bytes.length > maxRecordBytes) {
            out.collect(Parsed.bad(deadLetter(record, BadInputReason.RECORD_TOO_LARGE, "record of " + bytes.length
                    + " bytes exceeds " + CounterflowKafkaSources.MAX_RECORD_BYTES.key() + " (" + maxRecordBytes
                    + " bytes)")));
            return;
        }
        Object event;
        try {
            event = type.parse(codec, bytes);
        } catch (BadInputException e) {
            out.collect(Parsed.bad(deadLetter(record, e.reason(), e.detail())));
            return;
        } catch (RuntimeException | StackOverflowError e) {
            // A codec bug must not stop the job either; the record is kept for replay after a fix.
            codec = new EventCodec();
            out.collect(Parsed.bad(deadLetter(record, BadInputReason.INVALID_JSON,
                    "unexpected parser failure: " + e)));
            return;
        }
        long ts = type.ts(event);
        long now = System.currentTimeMillis();
        long limit = now > Long.MAX_VALUE - maxFutureSkewMs ? Long.MAX_VALUE : now + maxFutureSkewMs;
        if (ts > limit) {
            out.collect(Parsed.bad(deadLetter(record, BadInputReason.FUTURE_TIMESTAMP, "ts " + ts + " is "
                    + (ts - now) + " ms ahead of the source's clock " + now + "; at most "
                    + CounterflowKafkaSources.MAX_FUTURE_SKEW.key() + " (" + maxFutureSkewMs + " ms) is allowed")));
            return;
        }
        out.collect(Parsed.ok(valueClass.cast(event)));
    }

    private static DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> r, BadInputReason reason, String detail) {
        return new DeadLetter(r.topic(), r.partition(), r.offset(), reason, detail, r.value());
    }

    @Override
    public TypeInformation<Parsed<T>> getProducedType() {
        return Parsed.typeInfo(valueClass);
    }
}
