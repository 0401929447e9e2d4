package io.counterflow.connectors.kafka;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.model.io.BadInputException;
import io.counterflow.model.io.EventCodec;

/** The three event streams: how to parse each with {@link EventCodec} and where its event time is. */
public enum EventType {
    IMPRESSION(Impression.class) {
        @Override
        Object parse(EventCodec codec, byte[] utf8) throws BadInputException {
            return codec.parseImpression(utf8);
        }

        @Override
        long ts(Object event) {
            return ((Impression) event).ts;
        }
    },
    CLICK(Click.class) {
        @Override
        Object parse(EventCodec codec, byte[] utf8) throws BadInputException {
            return codec.parseClick(utf8);
        }

        @Override
        long ts(Object event) {
            return ((Click) event).ts;
        }
    },
    CONVERSION(Conversion.class) {
        @Override
        Object parse(EventCodec codec, byte[] utf8) throws BadInputException {
            return codec.parseConversion(utf8);
        }

        @Override
        long ts(Object event) {
            return ((Conversion) event).ts;
        }
    };

    private final Class<?> valueClass;

    EventType(Class<?> valueClass) {
        this.valueClass = valueClass;
    }

    public Class<?> valueClass() {
        return valueClass;
    }

    abstract Object parse(EventCodec codec, byte[] utf8) throws BadInputException;

    /** Event time of a parsed event of this type. */
    abstract long ts(Object event);
}
