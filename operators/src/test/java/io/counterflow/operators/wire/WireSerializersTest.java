package io.counterflow.operators.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Emission;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;
import io.counterflow.operators.join.JoinEvent;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

class WireSerializersTest {
    private static final String[] CAT = {"user", "item", "ctx"};
    private static final String[] MULTI = {"tags"};
    private static final String[] NUM = {"price"};

    @Test
    void labeledSamplesRoundTripWithEveryFieldShape() throws Exception {
        List<LabeledSample> in = samples(500, 1);
        assertThat(roundTrip(new LabeledSampleSerializer(), in)).isEqualTo(in);
    }

    @Test
    void joinEventsRoundTripForEveryKind() throws Exception {
        List<JoinEvent> in = new ArrayList<>();
        for (LabeledSample s : samples(200, 2)) {
            in.add(JoinEvent.of(new Impression(s.id, s.ts, s.features, s.truth)));
            in.add(JoinEvent.of(new Click(s.id, s.clickTs)));
            in.add(JoinEvent.of(new Conversion(s.id == null ? "" : s.id, s.conversionTs)));
        }
        assertThat(roundTrip(new JoinEventSerializer(), in)).isEqualTo(in);
    }

    @Test
    void everyJavaStringReadsBackExactlyUnpairedSurrogatesIncluded() throws Exception {
        String[] odd = {"\ud800", "a\udc00b", "\ud83d\ude00 emoji", "caf\u00e9", "\u0000nul", "x".repeat(70)
                + "\u00e9", "", "plain"};
        List<LabeledSample> in = new ArrayList<>();
        for (String v : odd) {
            in.add(sample(v, new String[] {"f\ud800", v}, new String[] {v, v + v}));
        }
        List<LabeledSample> out = roundTrip(new LabeledSampleSerializer(), in);
        assertThat(out).isEqualTo(in);
        for (int i = 0; i < odd.length; i++) {
            assertThat(out.get(i).id).isEqualTo(odd[i]);
            assertThat(out.get(i).features.catValues[1].toCharArray()).containsExactly((odd[i] + odd[i]).toCharArray());
        }
    }

    @Test
    void repeatedNameArraysAreSharedAndChangedOnesAreNot() throws Exception {
        LabeledSampleSerializer s = new LabeledSampleSerializer();
        LabeledSample a = sample("a", new String[] {"user", "item"}, new String[] {"u1", "i1"});
        LabeledSample b = sample("b", new String[] {"user", "item"}, new String[] {"u2", "i2"});
        LabeledSample c = sample("c", new String[] {"user", "ite\u00e9"}, new String[] {"u3", "i3"});
        LabeledSample d = sample("d", new String[] {"user"}, new String[] {"u4"});
        List<LabeledSample> out = roundTrip(s, List.of(a, b, c, d, b));
        assertThat(out).containsExactly(a, b, c, d, b);
        assertThat(out.get(1).features.catNames).isSameAs(out.get(0).features.catNames);
        assertThat(out.get(2).features.catNames).isNotSameAs(out.get(1).features.catNames)
                .containsExactly("user", "ite\u00e9");
        assertThat(out.get(0).features.catNames).containsExactly("user", "item"); // never mutated
        assertThat(out.get(3).features.catNames).containsExactly("user");
        assertThat(out.get(4).features.catNames).containsExactly("user", "item");
        // values are never shared
        assertThat(out.get(1).features.catValues).isNotSameAs(out.get(0).features.catValues);
    }

    @Test
    void copiesAreDeepAndDuplicatesIndependent() {
        LabeledSampleSerializer s = new LabeledSampleSerializer();
        LabeledSample x = samples(1, 4).get(0);
        LabeledSample y = s.copy(x);
        assertThat(y).isEqualTo(x).isNotSameAs(x);
        assertThat(y.features.catValues).isNotSameAs(x.features.catValues);
        assertThat(s.duplicate()).isNotSameAs(s).isEqualTo(s);
        JoinEventSerializer j = new JoinEventSerializer();
        JoinEvent e = JoinEvent.of(new Impression("i", 5, x.features, new Truth(0.1, 0.2)));
        assertThat(j.copy(e)).isEqualTo(e).isNotSameAs(e);
        assertThat(j.copy(e).impression.features.numValues).isNotSameAs(e.impression.features.numValues);
    }

    @Test
    void snapshotsRestoreTheSerializerAndRejectWhatTheyCannotRead() throws Exception {
        for (TypeSerializer<?> s : List.of(new LabeledSampleSerializer(), new JoinEventSerializer())) {
            TypeSerializerSnapshot<?> restored = writeAndRead(s.snapshotConfiguration());
            assertThat(restored.restoreSerializer()).isEqualTo(s);
            assertThat(resolve(s, restored).isCompatibleAsIs()).isTrue();
        }
        TypeSerializerSnapshot<?> other = writeAndRead(new JoinEventSerializer().snapshotConfiguration());
        assertThat(resolve(new LabeledSampleSerializer(), other).isIncompatible()).isTrue();

        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(LabeledSampleSerializer.class.getName());
        out.writeInt(LabeledSampleSerializer.FORMAT + 1);
        WireSerializer.Snapshot<LabeledSample> future = new WireSerializer.Snapshot<>();
        future.readSnapshot(1, new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThatThrownBy(future::restoreSerializer).hasMessageContaining("format 2 is not readable");
        assertThatThrownBy(() -> new WireSerializer.Snapshot<>().readSnapshot(7, new DataInputDeserializer(
                out.getCopyOfBuffer()), getClass().getClassLoader())).isInstanceOf(IOException.class)
                .hasMessageContaining("version 7 is not supported");
    }

    @Test
    void corruptRecordsFailWithAReason() {
        assertThatThrownBy(() -> new JoinEventSerializer().deserialize(new DataInputDeserializer(new byte[] {9})))
                .isInstanceOf(IOException.class).hasMessageContaining("kind 9");
        byte[] bad = new byte[64];
        bad[0] = 3; // id "a": 2 * length + 1 (ASCII)
        bad[1] = 'a';
        bad[2 + 8 + 4 + 4] = 17; // emission
        assertThatThrownBy(() -> new LabeledSampleSerializer().deserialize(new DataInputDeserializer(bad)))
                .isInstanceOf(IOException.class).hasMessageContaining("emission 17");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility<?> resolve(
            TypeSerializer<?> current, TypeSerializerSnapshot<?> old) {
        return ((TypeSerializerSnapshot) current.snapshotConfiguration()).resolveSchemaCompatibility(old);
    }

    private static TypeSerializerSnapshot<?> writeAndRead(TypeSerializerSnapshot<?> s) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, s);
        return TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(out.getCopyOfBuffer()),
                WireSerializersTest.class.getClassLoader());
    }

    private static <T> List<T> roundTrip(TypeSerializer<T> s, List<T> records) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        for (T r : records) {
            s.serialize(r, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        TypeSerializer<T> reader = s.duplicate();
        List<T> back = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            back.add(reader.deserialize(in));
        }
        assertThat(in.available()).isZero();
        return back;
    }

    private static LabeledSample sample(String id, String[] catNames, String[] catValues) {
        return new LabeledSample(id, 1, 0, 0, new Features(catNames, catValues, Features.NO_STRINGS,
                new String[0][], Features.NO_STRINGS, new double[0]), null);
    }

    /** Samples covering nulls, empty and non-ASCII strings, long strings, NaN, every emission. */
    private static List<LabeledSample> samples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Emission[] emissions = Emission.values();
        List<LabeledSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] cats = new String[CAT.length];
            for (int k = 0; k < cats.length; k++) {
                int pick = r.nextInt(20);
                cats[k] = pick == 0 ? "" : pick == 1 ? "caf\u00e9-\u4e2d\u6587-" + i : pick == 2 ? "x".repeat(300)
                        : pick == 3 ? null : CAT[k] + "-" + r.nextInt(1000);
            }
            String[][] multi = {r.nextInt(10) == 0 ? null : new String[] {"t" + r.nextInt(50), "t" + r.nextInt(50)}};
            double price = r.nextInt(30) == 0 ? Double.NaN : r.nextDouble() * 100;
            Features f = r.nextInt(50) == 0 ? null : new Features(r.nextInt(40) == 0 ? new String[] {"user", "x"}
                    : CAT, cats, MULTI, multi, NUM, new double[] {price});
            LabeledSample s = new LabeledSample(r.nextInt(60) == 0 ? null : "imp-" + i, 1_700_000_000_000L + i,
                    r.nextInt(2), r.nextInt(2), f, r.nextInt(3) == 0 ? null : new Truth(r.nextDouble(),
                    r.nextDouble()));
            s.emission = r.nextInt(20) == 0 ? null : emissions[r.nextInt(emissions.length)];
            s.clickTs = s.click == 1 ? s.ts + r.nextInt(100_000) : 0;
            s.conversionTs = s.conversion == 1 ? s.clickTs + r.nextInt(100_000) : 0;
            out.add(s);
        }
        return out;
    }
}
