package io.counterflow.model.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSnapshotTest {
    @TempDir Path tmp;

    private static CvrModel trained(Backend be, String objective, String extractor) {
        Settings s = TinyData.tinySettings(objective, extractor);
        CvrModel m = new CvrModel(s, TinyData.space(s), be, 32);
        BatchEncoder enc = new BatchEncoder(m.featureSpace());
        EncodedBatch b = TinyData.encode(enc, TinyData.samples(24, 1));
        for (int i = 0; i < 5; i++) {
            m.trainStep(b);
        }
        return m;
    }

    private static float[] values(Backend be, Tensor t) {
        float[] v = new float[t.size()];
        be.download(t, v, 0);
        return v;
    }

    @Test
    void snapshotRoundTripScoresIdentically() throws Exception {
        try (Backend be = Backends.create("java"); CvrModel m = trained(be, "dcmt", "mmoe")) {
            ModelSnapshot.write(m, tmp.resolve("snap"), Map.of("auc", 0.7));
            assertThat(ModelSnapshot.manifest(tmp.resolve("snap"))).containsEntry("objective", "dcmt")
                    .containsKeys("settings", "feature_space", "counters", "tensors", "info");
            LabeledSample[] samples = TinyData.samples(10, 9);
            float[] c1 = new float[10];
            float[] v1 = new float[10];
            CvrScorer.of(m).score(samples, 10, c1, v1);
            try (CvrScorer loaded = ModelSnapshot.load(tmp.resolve("snap"))) {
                float[] c2 = new float[10];
                float[] v2 = new float[10];
                loaded.score(samples, 10, c2, v2);
                assertThat(c2).containsExactly(c1, org.assertj.core.data.Offset.offset(1e-6f));
                assertThat(v2).containsExactly(v1, org.assertj.core.data.Offset.offset(1e-6f));
                assertThat(loaded.model().step()).isEqualTo(5);
            }
        }
    }

    @Test
    void checkpointRestoresParametersAndOptimiserStateExactly() throws Exception {
        try (Backend be = Backends.create("java"); CvrModel m = trained(be, "escm2-dr", "shared-bottom")) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ModelCheckpoint.write(m, bytes);
            try (CvrModel r = ModelCheckpoint.read(new ByteArrayInputStream(bytes.toByteArray()), be, 32)) {
                assertThat(r.step()).isEqualTo(m.step());
                // Continue both on the same batch: bit-for-bit equal, optimiser state included.
                EncodedBatch b1 = TinyData.encode(new BatchEncoder(m.featureSpace()), TinyData.samples(24, 2));
                EncodedBatch b2 = TinyData.encode(new BatchEncoder(r.featureSpace()), TinyData.samples(24, 2));
                m.trainStep(b1);
                r.trainStep(b2);
                for (Map.Entry<String, Tensor> e : m.tensors().entrySet()) {
                    assertThat(values(be, r.tensors().get(e.getKey()))).as(e.getKey())
                            .containsExactly(values(be, e.getValue()));
                }
            }
        }
    }

    @Test
    void rejectsUnknownVersionCorruptionTruncationAndCraftedShapes() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (Backend be = Backends.create("java"); CvrModel m = trained(be, "esmm", "shared-bottom")) {
            Path dir = tmp.resolve("s");
            ModelSnapshot.write(m, dir, Map.of());
            Path mf = dir.resolve(ModelSnapshot.MANIFEST);
            String original = Files.readString(mf);

            Files.writeString(mf, original.replace("\"format_version\" : 1", "\"format_version\" : 99"));
            assertThatThrownBy(() -> ModelSnapshot.read(dir, be, 8)).isInstanceOf(SnapshotFormatException.class)
                    .hasMessageContaining("format_version 99 is not supported");

            Files.writeString(mf, original.replace("\"buckets\" : 64", "\"buckets\" : 60000000"));
            assertThatThrownBy(() -> ModelSnapshot.read(dir, be, 8)).isInstanceOf(SnapshotFormatException.class)
                    .hasMessageContaining("refusing to allocate");

            Files.writeString(mf, original);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> tensors = (List<Map<String, Object>>) json.readValue(original, Map.class)
                    .get("tensors");
            Path emb = dir.resolve((String) tensors.get(0).get("file"));
            byte[] b = Files.readAllBytes(emb);
            b[7] ^= 0x40;
            Files.write(emb, b);
            assertThatThrownBy(() -> ModelSnapshot.read(dir, be, 8)).isInstanceOf(SnapshotFormatException.class)
                    .hasMessageContaining("checksum mismatch");

            Files.write(emb, java.util.Arrays.copyOf(b, b.length - 4));
            assertThatThrownBy(() -> ModelSnapshot.read(dir, be, 8)).isInstanceOf(SnapshotFormatException.class)
                    .hasMessageContaining("declares");

            Files.delete(mf);
            assertThatThrownBy(() -> ModelSnapshot.read(dir, be, 8)).isInstanceOf(SnapshotFormatException.class)
                    .hasMessageContaining("no manifest.json");

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ModelCheckpoint.write(m, bytes);
            byte[] ck = bytes.toByteArray();
            ck[7] = 2;
            assertThatThrownBy(() -> ModelCheckpoint.read(new ByteArrayInputStream(ck), be, 8))
                    .isInstanceOf(SnapshotFormatException.class).hasMessageContaining("format version 2");
        }
    }
}
