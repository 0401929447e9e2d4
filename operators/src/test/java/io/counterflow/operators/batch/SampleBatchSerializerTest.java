package io.counterflow.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.EncodedSamples;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.testing.TinyData;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/** {@link SampleBatchSerializer}: both forms round-trip, unknown forms and snapshot versions are rejected. */
class SampleBatchSerializerTest {
    private static TypeSerializer<SampleBatch> serializer() {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes(); // never Kryo
        return SampleBatch.TYPE_INFO.createSerializer(config);
    }

    private static SampleBatch roundTrip(TypeSerializer<SampleBatch> s, SampleBatch b) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(b, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        SampleBatch read = s.deserialize(in);
        assertThat(in.available()).isZero();
        // copy(DataInputView, DataOutputView) writes the same bytes
        DataOutputSerializer copied = new DataOutputSerializer(256);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        return read;
    }

    @Test
    void aBatchOfSamplesRoundTrips() throws IOException {
        SampleBatch b = new SampleBatch(TinyData.samples(10, 3));
        SampleBatch read = roundTrip(serializer(), b);
        assertThat(read.encoded).isNull();
        assertThat(read).isEqualTo(b);
    }

    @Test
    void anEncodedBatchRoundTripsWithEveryArrayItsTrainerReads() throws IOException {
        LabeledSample[] samples = TinyData.samples(21, 5);
        samples[3].emission = io.counterflow.model.data.Emission.FIRST;
        samples[3].clickTs = 1234L;
        samples[4].conversionTs = 5678L;
        FeatureSpace space = FeatureSpace.infer(Arrays.stream(samples).map(s -> s.features).toList(), 4, 64, false,
                7L);
        EncodedSamples e = EncodedSamples.encode(new BatchEncoder(space), samples, samples.length, 8);
        SampleBatch read = roundTrip(serializer(), SampleBatch.encoded(e));
        assertThat(read.samples).isNull();
        assertThat(read.count).isEqualTo(21);
        assertThat(read.encoded.n).isEqualTo(21);
        assertThat(read.encoded.sameSchema(space)).isTrue();
        assertThat(read.encoded.steps).hasSize(3);
        assertEncodedEquals(read.encoded, e);
    }

    @Test
    void aReleasedBatchIsReadIntoAgainAndAnInProcessOneIsLeftAlone() throws IOException {
        LabeledSample[] samples = TinyData.samples(64, 6);
        FeatureSpace space = FeatureSpace.infer(Arrays.stream(samples).map(s -> s.features).toList(), 4, 64, false,
                7L);
        BatchEncoder encoder = new BatchEncoder(space);
        EncodedSamples a = EncodedSamples.encode(encoder, Arrays.copyOfRange(samples, 0, 21), 21, 8);
        EncodedSamples b = EncodedSamples.encode(encoder, Arrays.copyOfRange(samples, 21, 34), 13, 8);
        EncodedSamples c = EncodedSamples.encode(encoder, Arrays.copyOfRange(samples, 34, 64), 30, 8);
        TypeSerializer<SampleBatch> s = serializer();
        SampleBatch.takeReleased(); // nothing left over from other tests on this thread

        SampleBatch readA = roundTrip(s, SampleBatch.encoded(a));
        EncodedSamples arraysOfA = readA.encoded;
        long[] idHashOfA = arraysOfA.idHash;
        arraysOfA.steps[0].labelWeight[0] = 0.5f; // the trainer's correction writes label weights
        readA.release();
        assertThat(readA.encoded).isNull();

        SampleBatch readB = roundTrip(s, SampleBatch.encoded(b));
        assertThat(readB.encoded).isSameAs(arraysOfA); // the released arrays, read into
        assertThat(readB.encoded.idHash).isSameAs(idHashOfA);
        assertThat(readB.encoded.steps[0].labelWeight[0]).isEqualTo(1f); // not on the wire: reset
        assertEncodedEquals(readB.encoded, b);
        readB.release();

        SampleBatch readC = roundTrip(s, SampleBatch.encoded(c)); // more rows and steps: arrays grow
        assertEncodedEquals(readC.encoded, c);

        SampleBatch inProcess = SampleBatch.encoded(a);
        inProcess.release(); // not read by the serializer: kept as it is, never reused
        assertThat(inProcess.encoded).isSameAs(a);
        long[] idHashOfInProcess = a.idHash.clone();
        assertThat(roundTrip(s, SampleBatch.encoded(b)).encoded).isNotSameAs(a);
        assertThat(a.idHash).containsExactly(idHashOfInProcess);
    }

    /** Every array the trainer reads, over its used prefix. */
    private static void assertEncodedEquals(EncodedSamples r, EncodedSamples e) {
        int rows = e.n;
        assertThat(r.n).isEqualTo(rows);
        assertThat(r.numericState).containsExactly(e.numericState);
        assertThat(Arrays.copyOf(r.idHash, rows)).containsExactly(e.idHash);
        assertThat(Arrays.copyOf(r.emission, rows)).containsExactly(e.emission);
        assertThat(Arrays.copyOf(r.click, rows)).containsExactly(e.click);
        assertThat(Arrays.copyOf(r.conversion, rows)).containsExactly(e.conversion);
        assertThat(Arrays.copyOf(r.clickTs, rows)).containsExactly(e.clickTs);
        assertThat(Arrays.copyOf(r.conversionTs, rows)).containsExactly(e.conversionTs);
        assertThat(r.steps).hasSameSizeAs(e.steps);
        for (int k = 0; k < e.steps.length; k++) {
            EncodedBatch a = e.steps[k];
            EncodedBatch b = r.steps[k];
            int n = a.n;
            assertThat(b.n).isEqualTo(n);
            assertThat(Arrays.copyOf(b.catSlots, n * a.catFields)).containsExactly(Arrays.copyOf(a.catSlots,
                    n * a.catFields));
            assertThat(Arrays.copyOf(b.mvStart, n * a.multiFields + 1)).containsExactly(Arrays.copyOf(a.mvStart,
                    n * a.multiFields + 1));
            int mv = a.mvStart[n * a.multiFields];
            assertThat(Arrays.copyOf(b.mvSlots, mv)).containsExactly(Arrays.copyOf(a.mvSlots, mv));
            assertThat(Arrays.copyOf(b.numeric, n * a.numFields)).containsExactly(Arrays.copyOf(a.numeric,
                    n * a.numFields));
            assertThat(Arrays.copyOf(b.click, n)).containsExactly(Arrays.copyOf(a.click, n));
            assertThat(Arrays.copyOf(b.conversion, n)).containsExactly(Arrays.copyOf(a.conversion, n));
            assertThat(Arrays.copyOf(b.truthCvr, n)).containsExactly(Arrays.copyOf(a.truthCvr, n));
            assertThat(Arrays.copyOf(b.impressionWeight, n)).containsExactly(Arrays.copyOf(a.impressionWeight, n));
            assertThat(b.hasTruth).isEqualTo(a.hasTruth);
            assertThat(b.provisionalLabels).isEqualTo(a.provisionalLabels);
            assertThat(b.uniqueCount).isEqualTo(a.uniqueCount);
            assertThat(Arrays.copyOf(b.uniqueRows, a.uniqueCount)).containsExactly(Arrays.copyOf(a.uniqueRows,
                    a.uniqueCount));
        }
    }

    @Test
    void aNonFiniteBatchWithoutSchemaRoundTrips() throws IOException {
        LabeledSample[] samples = TinyData.samples(4, 9);
        SampleBatch read = roundTrip(serializer(), SampleBatch.encoded(EncodedSamples.nonFinite(samples, 4)));
        assertThat(read.encoded.nonFinite).isTrue();
        assertThat(read.encoded.hasSchema()).isFalse();
        assertThat(read.encoded.steps).isEmpty();
    }

    @Test
    void anUnknownFormIsRejectedWithAMessage() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {9, 0, 0, 0, 0});
        assertThatThrownBy(() -> serializer().deserialize(in)).isInstanceOf(IOException.class)
                .hasMessageContaining("SampleBatch form 9 is not known");
    }

    @Test
    void theSnapshotRestoresAnEqualCompatibleSerializer() throws IOException {
        TypeSerializer<SampleBatch> s = serializer();
        TypeSerializerSnapshot<SampleBatch> snap = s.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snap);
        TypeSerializerSnapshot<SampleBatch> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(read).isInstanceOf(SampleBatchSerializer.Snapshot.class);
        assertThat(read.restoreSerializer()).isEqualTo(s);
        TypeSerializerSchemaCompatibility<SampleBatch> c = s.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(c.isCompatibleAsIs()).isTrue();
        assertThat(snap.getCurrentVersion()).isPositive();
    }

    @Test
    void aSnapshotOfAnUnknownOuterVersionIsRejected() {
        SampleBatchSerializer.Snapshot snap = new SampleBatchSerializer.Snapshot();
        assertThatThrownBy(() -> snap.readOuterSnapshot(SampleBatchSerializer.Snapshot.VERSION + 1,
                new DataInputDeserializer(new byte[0]), getClass().getClassLoader()))
                .isInstanceOf(IOException.class).hasMessageContaining("version " + (SampleBatchSerializer.Snapshot.VERSION + 1));
    }

    @Test
    void copyIsShallowBecauseBatchesAreImmutable() {
        SampleBatch b = new SampleBatch(TinyData.samples(3, 1));
        SampleBatch c = serializer().copy(b);
        assertThat(c).isNotSameAs(b).isEqualTo(b);
        assertThat(c.samples).isSameAs(b.samples);
        assertThat(List.of(c.count)).containsExactly(3);
    }
}
