package io.counterflow.operators.batch;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.EncodedSamples;

import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Serializer of {@link SampleBatch}: a form tag, then either the samples (through the nested {@link LabeledSample}
 * serializer) or the encoded form as primitive arrays (only the active part of each array). An unknown tag is
 * rejected with a message. {@link #copy} is shallow: batches are immutable once emitted (see {@link SampleBatch}).
 */
public final class SampleBatchSerializer extends TypeSerializer<SampleBatch> {
    private static final long serialVersionUID = 1L;

    /** Form tags; 0 is never written. */
    static final byte SAMPLES = 1;
    static final byte ENCODED = 2;

    private final TypeSerializer<LabeledSample> sampleSerializer;

    public SampleBatchSerializer(TypeSerializer<LabeledSample> sampleSerializer) {
        this.sampleSerializer = Objects.requireNonNull(sampleSerializer, "sampleSerializer");
    }

    TypeSerializer<LabeledSample> sampleSerializer() {
        return sampleSerializer;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<SampleBatch> duplicate() {
        TypeSerializer<LabeledSample> d = sampleSerializer.duplicate();
        return d == sampleSerializer ? this : new SampleBatchSerializer(d);
    }

    @Override
    public SampleBatch createInstance() {
        return new SampleBatch();
    }

    @Override
    public SampleBatch copy(SampleBatch from) {
        SampleBatch b = new SampleBatch();
        b.samples = from.samples;
        b.count = from.count;
        b.encoded = from.encoded;
        return b;
    }

    @Override
    public SampleBatch copy(SampleBatch from, SampleBatch reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SampleBatch b, DataOutputView out) throws IOException {
        if (b.encoded == null) {
            out.writeByte(SAMPLES);
            out.writeInt(b.count);
            for (int i = 0; i < b.count; i++) {
                sampleSerializer.serialize(b.samples[i], out);
            }
        } else {
            out.writeByte(ENCODED);
            writeEncoded(b.encoded, out);
        }
    }

    @Override
    public SampleBatch deserialize(DataInputView in) throws IOException {
        byte form = in.readByte();
        if (form == SAMPLES) {
            int n = in.readInt();
            LabeledSample[] s = new LabeledSample[n];
            for (int i = 0; i < n; i++) {
                s[i] = sampleSerializer.deserialize(in);
            }
            return new SampleBatch(s);
        }
        if (form == ENCODED) {
            SampleBatch b = SampleBatch.encoded(readEncoded(in, SampleBatch.takeReleased()));
            b.recyclable = true;
            return b;
        }
        throw new IOException("SampleBatch form " + form + " is not known to this build (it reads " + SAMPLES
                + " samples and " + ENCODED + " encoded)");
    }

    @Override
    public SampleBatch deserialize(SampleBatch reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    // ------------------------------------------------------------------------------------------------ encoded form

    static void writeEncoded(EncodedSamples e, DataOutputView out) throws IOException {
        int n = e.n;
        out.writeInt(n);
        out.writeBoolean(e.hasSchema());
        if (e.hasSchema()) {
            writeStrings(e.catFields, out);
            writeStrings(e.multiFields, out);
            writeStrings(e.numFields, out);
            out.writeInt(e.dim);
            out.writeInt(e.buckets);
            out.writeBoolean(e.tablePerField);
            out.writeLong(e.hashSeed);
            out.writeInt(e.numericState.length);
            for (double v : e.numericState) {
                out.writeDouble(v);
            }
        }
        out.writeBoolean(e.nonFinite);
        for (int i = 0; i < n; i++) {
            out.writeLong(e.idHash[i]);
            out.writeByte(e.emission[i]);
            out.writeByte(e.click[i]);
            out.writeByte(e.conversion[i]);
            out.writeLong(e.clickTs[i]);
            out.writeLong(e.conversionTs[i]);
        }
        out.writeInt(e.steps.length);
        for (EncodedBatch b : e.steps) {
            writeStep(b, out);
        }
    }

    static EncodedSamples readEncoded(DataInputView in) throws IOException {
        return readEncoded(in, null);
    }

    /**
     * Reads an encoded batch, into {@code reuse}'s arrays where they are large enough (a batch its consumer
     * released: {@link SampleBatch#release}); every field is overwritten, so the result is the same as a fresh read.
     */
    static EncodedSamples readEncoded(DataInputView in, EncodedSamples reuse) throws IOException {
        EncodedSamples e = reuse != null ? reuse : new EncodedSamples();
        int n = nonNegative(in.readInt(), "rows");
        e.n = n;
        if (in.readBoolean()) {
            e.catFields = readStrings(in, e.catFields);
            e.multiFields = readStrings(in, e.multiFields);
            e.numFields = readStrings(in, e.numFields);
            e.dim = in.readInt();
            e.buckets = in.readInt();
            e.tablePerField = in.readBoolean();
            e.hashSeed = in.readLong();
            int k = nonNegative(in.readInt(), "numeric statistics");
            e.numericState = e.numericState != null && e.numericState.length == k ? e.numericState : new double[k];
            for (int i = 0; i < k; i++) {
                e.numericState[i] = in.readDouble();
            }
        } else {
            e.catFields = e.multiFields = e.numFields = null;
            e.dim = e.buckets = 0;
            e.tablePerField = false;
            e.hashSeed = 0;
            e.numericState = null;
        }
        e.nonFinite = in.readBoolean();
        e.ensureRows(n);
        for (int i = 0; i < n; i++) {
            e.idHash[i] = in.readLong();
            e.emission[i] = in.readByte();
            e.click[i] = in.readByte();
            e.conversion[i] = in.readByte();
            e.clickTs[i] = in.readLong();
            e.conversionTs[i] = in.readLong();
        }
        int steps = nonNegative(in.readInt(), "steps");
        EncodedBatch[] old = e.steps;
        if (old == null || old.length != steps) {
            e.steps = new EncodedBatch[steps];
        }
        for (int k = 0; k < steps; k++) {
            e.steps[k] = readStep(in, old != null && k < old.length ? old[k] : null);
        }
        return e;
    }

    private static void writeStep(EncodedBatch b, DataOutputView out) throws IOException {
        int n = b.n;
        out.writeInt(n);
        out.writeInt(b.catFields);
        out.writeInt(b.multiFields);
        out.writeInt(b.numFields);
        writeInts(b.catSlots, n * b.catFields, out);
        writeInts(b.mvStart, n * b.multiFields + 1, out);
        writeInts(b.mvSlots, b.mvStart[n * b.multiFields], out);
        writeFloats(b.numeric, n * b.numFields, out);
        writeFloats(b.click, n, out);
        writeFloats(b.conversion, n, out);
        writeFloats(b.truthCvr, n, out);
        writeFloats(b.truthCtr, n, out);
        writeFloats(b.impressionWeight, n, out);
        out.writeBoolean(b.hasTruth);
        out.writeBoolean(b.provisionalLabels);
        out.writeInt(b.uniqueCount);
        writeInts(b.uniqueRows, b.uniqueCount, out);
    }

    /** Reads a step into {@code reuse} when it has the capacity and layout, else into a new batch. */
    private static EncodedBatch readStep(DataInputView in, EncodedBatch reuse) throws IOException {
        int n = in.readInt();
        if (n <= 0) {
            throw new IOException("encoded step of " + n + " rows");
        }
        int cat = nonNegative(in.readInt(), "fields");
        int multi = nonNegative(in.readInt(), "fields");
        int num = nonNegative(in.readInt(), "fields");
        EncodedBatch b;
        if (reuse != null && reuse.capacity >= n && reuse.catFields == cat && reuse.multiFields == multi
                && reuse.numFields == num) {
            b = reuse;
            java.util.Arrays.fill(b.labelWeight, 0, n, 1f); // not on the wire: 1 as in a new batch
        } else {
            // Exact sizes: the multi-valued slots and the unique rows grow to their counts below.
            b = new EncodedBatch(n, cat, multi, num, 1, 1);
        }
        b.n = n;
        readInts(in, b.catSlots, n * cat);
        readInts(in, b.mvStart, n * multi + 1);
        int mv = nonNegative(b.mvStart[n * multi], "multi-valued slots");
        if (b.mvSlots.length < mv) {
            b.mvSlots = new int[mv];
        }
        readInts(in, b.mvSlots, mv);
        readFloats(in, b.numeric, n * b.numFields);
        readFloats(in, b.click, n);
        readFloats(in, b.conversion, n);
        readFloats(in, b.truthCvr, n);
        readFloats(in, b.truthCtr, n);
        readFloats(in, b.impressionWeight, n);
        b.hasTruth = in.readBoolean();
        b.provisionalLabels = in.readBoolean();
        b.uniqueCount = nonNegative(in.readInt(), "unique rows");
        if (b.uniqueRows.length < b.uniqueCount) {
            b.uniqueRows = new int[b.uniqueCount];
        }
        readInts(in, b.uniqueRows, b.uniqueCount);
        return b;
    }

    private static int nonNegative(int v, String what) throws IOException {
        if (v < 0) {
            throw new IOException("corrupt encoded batch: " + v + " " + what);
        }
        return v;
    }

    private static void writeStrings(String[] s, DataOutputView out) throws IOException {
        out.writeInt(s.length);
        for (String x : s) {
            out.writeUTF(x);
        }
    }

    /** Reads field names; returns {@code known} when they are the same names (every batch repeats the schema). */
    private static String[] readStrings(DataInputView in, String[] known) throws IOException {
        int n = nonNegative(in.readInt(), "field names");
        if (n == 0) {
            return known != null && known.length == 0 ? known : new String[0];
        }
        String[] s = null;
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            if (s == null && (known == null || known.length != n || !known[i].equals(name))) {
                s = new String[n];
                System.arraycopy(known == null ? new String[0] : known, 0, s, 0,
                        known == null ? 0 : Math.min(i, known.length));
            }
            if (s != null) {
                s[i] = name;
            }
        }
        return s != null ? s : known;
    }

    private static void writeInts(int[] a, int len, DataOutputView out) throws IOException {
        for (int i = 0; i < len; i++) {
            out.writeInt(a[i]);
        }
    }

    private static void readInts(DataInputView in, int[] a, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            a[i] = in.readInt();
        }
    }

    private static void writeFloats(float[] a, int len, DataOutputView out) throws IOException {
        for (int i = 0; i < len; i++) {
            out.writeFloat(a[i]);
        }
    }

    private static void readFloats(DataInputView in, float[] a, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            a[i] = in.readFloat();
        }
    }

    // ------------------------------------------------------------------------------------------------ identity

    @Override
    public boolean equals(Object o) {
        return o instanceof SampleBatchSerializer
                && ((SampleBatchSerializer) o).sampleSerializer.equals(sampleSerializer);
    }

    @Override
    public int hashCode() {
        return sampleSerializer.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<SampleBatch> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /**
     * The serializer's snapshot: outer version {@value #VERSION} (the form tags and layouts above) and the nested
     * sample serializer's snapshot. A later layout gets a new version and reads this one.
     */
    public static final class Snapshot extends CompositeTypeSerializerSnapshot<SampleBatch, SampleBatchSerializer> {
        static final int VERSION = 1;

        /** For reading. */
        public Snapshot() {}

        Snapshot(SampleBatchSerializer s) {
            super(s);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return VERSION;
        }

        @Override
        protected void readOuterSnapshot(int version, DataInputView in, ClassLoader cl) throws IOException {
            if (version != VERSION) {
                throw new IOException("SampleBatch serializer snapshot version " + version + " is not supported"
                        + " (this build reads " + VERSION + ")");
            }
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(SampleBatchSerializer s) {
            return new TypeSerializer<?>[] {s.sampleSerializer};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected SampleBatchSerializer createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
            return new SampleBatchSerializer((TypeSerializer<LabeledSample>) nested[0]);
        }
    }

    @Override
    public String toString() {
        return "SampleBatchSerializer" + Arrays.asList(sampleSerializer);
    }
}
