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

/** See {@link EventDeserializers}. One {@link EventCodec} per instance (it is not thread-safe). */
final class CodecDeserializationSchema<T> implements KafkaRecordDeserializationSchema<Parsed<T>> {
    private static final long serialVersionUID = 1L;

    private final EventType type;
    private final Class<T> valueClass;
    private transient EventCodec codec;

    CodecDeserializationSchema(EventType type, Class<T> valueClass) {
        if (type.valueClass() != valueClass) {
            throw new IllegalArgumentException(type + " parses " + type.valueClass() + ", not " + valueClass);
        }
        this.type = type;
        this.valueClass = valueClass;
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
        try {
            out.collect(Parsed.ok(valueClass.cast(type.parse(codec, bytes))));
        } catch (BadInputException e) {
            out.collect(Parsed.bad(deadLetter(record, e.reason(), e.detail())));
        } catch (RuntimeException e) {
            // A codec bug must not stop the job either; the record is kept for replay after a fix.
            codec = new EventCodec();
            out.collect(Parsed.bad(deadLetter(record, BadInputReason.INVALID_JSON,
                    "unexpected parser failure: " + e)));
        }
    }

    private static DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> r, BadInputReason reason, String detail) {
        return new DeadLetter(r.topic(), r.partition(), r.offset(), reason, detail, r.value());
    }

    @Override
    public TypeInformation<Parsed<T>> getProducedType() {
        return Parsed.typeInfo(valueClass);
    }
}
