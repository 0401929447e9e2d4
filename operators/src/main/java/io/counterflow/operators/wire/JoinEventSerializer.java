package io.counterflow.operators.wire;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.operators.join.JoinEvent;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * Wire serializer of {@link JoinEvent} (the label join's input, format 1): a kind byte, then the impression (id,
 * ts, features, truth), the click or the conversion (impression id, ts).
 */
public final class JoinEventSerializer extends WireSerializer<JoinEvent> {
    private static final long serialVersionUID = 1L;
    static final int FORMAT = 1;
    private static final byte IMPRESSION = 0;
    private static final byte CLICK = 1;
    private static final byte CONVERSION = 2;

    /** The stream type of join events between operators. */
    public static final TypeInformation<JoinEvent> TYPE_INFO =
            new WireTypeInfo<>(JoinEvent.class, config -> new JoinEventSerializer());

    private transient WireIO.FeatureNames names = new WireIO.FeatureNames();

    public JoinEventSerializer() {}

    @Override
    int formatVersion() {
        return FORMAT;
    }

    @Override
    Supplier<JoinEventSerializer> factory() {
        return JoinEventSerializer::new;
    }

    @Override
    public JoinEvent createInstance() {
        return new JoinEvent();
    }

    @Override
    public JoinEvent copy(JoinEvent from) {
        JoinEvent e = new JoinEvent();
        e.kind = from.kind;
        if (from.impression != null) {
            Impression i = from.impression;
            e.impression = new Impression(i.id, i.ts, WireIO.copy(i.features), WireIO.copy(i.truth));
        }
        if (from.click != null) {
            e.click = new Click(from.click.impressionId, from.click.ts);
        }
        if (from.conversion != null) {
            e.conversion = new Conversion(from.conversion.impressionId, from.conversion.ts);
        }
        return e;
    }

    @Override
    public void serialize(JoinEvent e, DataOutputView out) throws IOException {
        WireIO io = io();
        if (e.kind == null) {
            throw new IOException("join event without a kind: " + e);
        }
        switch (e.kind) {
            case IMPRESSION:
                out.writeByte(IMPRESSION);
                io.writeString(e.impression.id, out);
                out.writeLong(e.impression.ts);
                io.writeFeatures(e.impression.features, out);
                WireIO.writeTruth(e.impression.truth, out);
                break;
            case CLICK:
                out.writeByte(CLICK);
                io.writeString(e.click.impressionId, out);
                out.writeLong(e.click.ts);
                break;
            case CONVERSION:
                out.writeByte(CONVERSION);
                io.writeString(e.conversion.impressionId, out);
                out.writeLong(e.conversion.ts);
                break;
            default:
                throw new IOException("unknown join event kind " + e.kind);
        }
    }

    @Override
    public JoinEvent deserialize(DataInputView in) throws IOException {
        WireIO io = io();
        if (names == null) {
            names = new WireIO.FeatureNames();
        }
        byte kind = in.readByte();
        switch (kind) {
            case IMPRESSION: {
                String id = io.readString(in);
                long ts = in.readLong();
                return JoinEvent.of(new Impression(id, ts, io.readFeatures(in, names), WireIO.readTruth(in)));
            }
            case CLICK: {
                String id = io.readString(in);
                return JoinEvent.of(new Click(id, in.readLong()));
            }
            case CONVERSION: {
                String id = io.readString(in);
                return JoinEvent.of(new Conversion(id, in.readLong()));
            }
            default:
                throw new IOException("corrupt join event: kind " + kind);
        }
    }
}
