package io.counterflow.operators.wire;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * Wire serializer of {@link LabeledSample} (the label join's output, format 1): id, ts, click, conversion,
 * emission, click and conversion timestamps, features, truth; every field nullable where the POJO's is. No
 * reflection, no boxing.
 */
public final class LabeledSampleSerializer extends WireSerializer<LabeledSample> {
    private static final long serialVersionUID = 1L;
    static final int FORMAT = 1;
    private static final Emission[] EMISSIONS = Emission.values();

    /** The stream type of labeled samples between operators. */
    public static final TypeInformation<LabeledSample> TYPE_INFO =
            new WireTypeInfo<>(LabeledSample.class, config -> new LabeledSampleSerializer());

    private transient WireIO.FeatureNames names = new WireIO.FeatureNames();

    public LabeledSampleSerializer() {}

    @Override
    int formatVersion() {
        return FORMAT;
    }

    @Override
    Supplier<LabeledSampleSerializer> factory() {
        return LabeledSampleSerializer::new;
    }

    @Override
    public LabeledSample createInstance() {
        return new LabeledSample();
    }

    @Override
    public LabeledSample copy(LabeledSample from) {
        LabeledSample s = new LabeledSample(from.id, from.ts, from.click, from.conversion, WireIO.copy(from.features),
                WireIO.copy(from.truth));
        s.emission = from.emission;
        s.clickTs = from.clickTs;
        s.conversionTs = from.conversionTs;
        return s;
    }

    @Override
    public void serialize(LabeledSample s, DataOutputView out) throws IOException {
        WireIO io = io();
        io.writeString(s.id, out);
        out.writeLong(s.ts);
        out.writeInt(s.click);
        out.writeInt(s.conversion);
        out.writeByte(s.emission == null ? -1 : s.emission.ordinal());
        out.writeLong(s.clickTs);
        out.writeLong(s.conversionTs);
        io.writeFeatures(s.features, out);
        WireIO.writeTruth(s.truth, out);
    }

    @Override
    public LabeledSample deserialize(DataInputView in) throws IOException {
        WireIO io = io();
        if (names == null) {
            names = new WireIO.FeatureNames();
        }
        LabeledSample s = new LabeledSample();
        s.id = io.readString(in);
        s.ts = in.readLong();
        s.click = in.readInt();
        s.conversion = in.readInt();
        int e = in.readByte();
        if (e >= EMISSIONS.length || e < -1) {
            throw new IOException("corrupt labeled sample: emission " + e);
        }
        s.emission = e < 0 ? null : EMISSIONS[e];
        s.clickTs = in.readLong();
        s.conversionTs = in.readLong();
        s.features = io.readFeatures(in, names);
        s.truth = WireIO.readTruth(in);
        return s;
    }
}
