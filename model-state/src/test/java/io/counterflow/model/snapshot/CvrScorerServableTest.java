package io.counterflow.model.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.DataTypes;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link CvrScorer} as a flink-ml {@code ModelServable}: {@code setModelData} takes a {@link ModelCheckpoint}
 * stream, and {@code transform} scores a DataFrame of impression JSON into ctr, cvr and ctcvr columns, exactly
 * as {@link CvrScorer#score} does.
 */
class CvrScorerServableTest {
    /** setModelData loads on the auto backend (CUDA where there is a GPU), the reference is the Java backend. */
    private static final Offset<Double> TOLERANCE = Offset.offset(1e-5);

    private static CvrModel trained(Backend be) {
        Settings s = TinyData.tinySettings("dcmt", "mmoe");
        CvrModel m = new CvrModel(s, TinyData.space(s), be, 32);
        BatchEncoder enc = new BatchEncoder(m.featureSpace());
        for (int i = 0; i < 4; i++) {
            m.trainStep(TinyData.encode(enc, TinyData.samples(24, i)));
        }
        return m;
    }

    private static DataFrame frame(LabeledSample[] samples) {
        EventCodec codec = new EventCodec();
        List<Row> rows = new ArrayList<>();
        for (LabeledSample s : samples) {
            List<Object> values = new ArrayList<>();
            values.add(s.id);
            values.add(codec.toJson(new Impression(s.id, s.ts, s.features, null)));
            rows.add(new Row(values));
        }
        return new DataFrame(new ArrayList<>(List.of("key", CvrScorer.INPUT_COLUMN)),
                new ArrayList<>(List.of(DataTypes.STRING, DataTypes.STRING)), rows);
    }

    @Test
    void setModelDataFromACheckpointThenTransformScoresLikeTheModel() throws Exception {
        LabeledSample[] samples = TinyData.samples(12, 8);
        float[] ctr = new float[12];
        float[] cvr = new float[12];
        ByteArrayOutputStream checkpoint = new ByteArrayOutputStream();
        try (Backend be = Backends.create("java"); CvrModel m = trained(be)) {
            CvrScorer.of(m).score(samples, 12, ctr, cvr);
            ModelCheckpoint.write(m, checkpoint);
        }
        try (CvrScorer servable = new CvrScorer()) {
            servable.setModelData(new ByteArrayInputStream(checkpoint.toByteArray()));
            assertThat(servable.model().step()).isEqualTo(4);
            DataFrame out = servable.transform(frame(samples));
            assertThat(out.getColumnNames()).containsExactly("key", CvrScorer.INPUT_COLUMN, "ctr", "cvr", "ctcvr");
            assertThat(out.getDataType("ctr")).isEqualTo(DataTypes.DOUBLE);
            List<Row> rows = out.collect();
            assertThat(rows).hasSize(12);
            for (int i = 0; i < 12; i++) {
                Row r = rows.get(i);
                assertThat((String) r.get(0)).isEqualTo(samples[i].id);
                assertThat((double) r.get(2)).isCloseTo(ctr[i], TOLERANCE);
                assertThat((double) r.get(3)).isCloseTo(cvr[i], TOLERANCE);
                assertThat((double) r.get(4)).isCloseTo((double) ctr[i] * cvr[i], TOLERANCE);
            }
        }
    }

    @Test
    void badRowsAndStreamsAreRejectedWithTheirReason() throws Exception {
        ByteArrayOutputStream checkpoint = new ByteArrayOutputStream();
        try (Backend be = Backends.create("java"); CvrModel m = trained(be)) {
            ModelCheckpoint.write(m, checkpoint);
        }
        try (CvrScorer servable = new CvrScorer()) {
            assertThatThrownBy(() -> servable.setModelData()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected one model checkpoint stream, got 0");
            assertThatThrownBy(() -> servable.setModelData(new ByteArrayInputStream(new byte[] {1, 2, 3, 4})))
                    .isInstanceOf(java.io.IOException.class);
            servable.setModelData(new ByteArrayInputStream(checkpoint.toByteArray()));
            List<Object> bad = new ArrayList<>(List.of("k", "{\"id\":\"x\",\"ts\":1}"));
            DataFrame df = new DataFrame(new ArrayList<>(List.of("key", CvrScorer.INPUT_COLUMN)),
                    new ArrayList<>(List.of(DataTypes.STRING, DataTypes.STRING)), new ArrayList<>(List.of(new Row(bad))));
            assertThatThrownBy(() -> servable.transform(df)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("row 0: INVALID_FEATURES");
        }
    }
}
