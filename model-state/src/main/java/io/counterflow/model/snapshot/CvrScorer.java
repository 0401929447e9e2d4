package io.counterflow.model.snapshot;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.io.BadInputException;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.nn.CvrModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.ModelServable;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.DataTypes;

/**
 * Scores with a loaded model: pCTR, pCVR (DCMT: the factual head) and pCTCVR = pCTR·pCVR. No Flink runtime
 * needed. As a flink-ml {@link ModelServable}, {@link #transform} reads a STRING column {@value #INPUT_COLUMN}
 * holding impression JSON (CONTRACT.md) and appends DOUBLE columns ctr, cvr, ctcvr; {@link #setModelData}
 * accepts a {@link ModelCheckpoint} stream. Not thread-safe.
 */
public final class CvrScorer implements ModelServable<CvrScorer>, AutoCloseable {
    public static final String INPUT_COLUMN = "impression";
    private static final int BATCH = 1024;

    private final Map<Param<?>, Object> params = new HashMap<>();
    private Backend backend;
    private CvrModel model;
    private BatchEncoder encoder;
    private EncodedBatch batch;
    private int chunk = BATCH;
    private final float[] ctr = new float[BATCH];
    private final float[] cvr = new float[BATCH];

    /** An empty scorer; give it a model with {@link #setModelData}. */
    public CvrScorer() {}

    private CvrScorer(Backend backend, CvrModel model) {
        attach(backend, model);
    }

    private void attach(Backend be, CvrModel m) {
        close();
        this.backend = be;
        this.model = m;
        this.encoder = new BatchEncoder(m.featureSpace());
        this.chunk = Math.min(BATCH, m.batchCapacity());
        this.batch = encoder.newBatch(chunk);
    }

    /** Loads a snapshot directory on the {@code auto} backend. */
    public static CvrScorer load(Path dir) throws IOException {
        Backend be = Backends.create("auto");
        try {
            return new CvrScorer(be, ModelSnapshot.read(dir, be, BATCH));
        } catch (IOException | RuntimeException e) {
            be.close();
            throw e;
        }
    }

    /** Wraps an existing model (not owned: closing the scorer leaves it open). */
    public static CvrScorer of(CvrModel model) {
        CvrScorer s = new CvrScorer();
        s.model = model;
        s.encoder = new BatchEncoder(model.featureSpace());
        s.chunk = Math.min(BATCH, model.batchCapacity());
        s.batch = s.encoder.newBatch(s.chunk);
        return s;
    }

    public CvrModel model() {
        return model;
    }

    @Override
    public CvrScorer setModelData(InputStream... modelDataInputs) throws IOException {
        if (modelDataInputs.length != 1) {
            throw new IllegalArgumentException("expected one model checkpoint stream, got " + modelDataInputs.length);
        }
        Backend be = Backends.create("auto");
        attach(be, ModelCheckpoint.read(modelDataInputs[0], be, BATCH));
        return this;
    }

    /**
     * Scores samples[0 .. n) into ctrOut and cvrOut (labels are ignored; numeric statistics are not updated).
     */
    public void score(LabeledSample[] samples, int n, float[] ctrOut, float[] cvrOut) {
        for (int off = 0; off < n; off += chunk) {
            int m = Math.min(chunk, n - off);
            encoder.encode(samples, off, m, batch, false);
            model.predict(batch, ctr, cvr);
            System.arraycopy(ctr, 0, ctrOut, off, m);
            System.arraycopy(cvr, 0, cvrOut, off, m);
        }
    }

    /** Scores feature records (unlabeled). */
    public void score(Features[] features, int n, float[] ctrOut, float[] cvrOut) {
        LabeledSample[] s = new LabeledSample[n];
        for (int i = 0; i < n; i++) {
            s[i] = new LabeledSample(null, 0, 0, 0, features[i], null);
        }
        score(s, n, ctrOut, cvrOut);
    }

    @Override
    public DataFrame transform(DataFrame input) {
        int col = input.getIndex(INPUT_COLUMN);
        List<Row> rows = input.collect();
        EventCodec codec = new EventCodec();
        Features[] fs = new Features[rows.size()];
        for (int i = 0; i < fs.length; i++) {
            try {
                Impression imp = codec.parseImpression((String) rows.get(i).get(col));
                fs[i] = imp.features;
            } catch (BadInputException e) {
                throw new IllegalArgumentException("row " + i + ": " + e.reason() + ": " + e.detail());
            }
        }
        float[] c = new float[fs.length];
        float[] v = new float[fs.length];
        score(fs, fs.length, c, v);
        List<Object> ctrCol = new ArrayList<>();
        List<Object> cvrCol = new ArrayList<>();
        List<Object> ctcvrCol = new ArrayList<>();
        for (int i = 0; i < fs.length; i++) {
            ctrCol.add((double) c[i]);
            cvrCol.add((double) v[i]);
            ctcvrCol.add((double) c[i] * v[i]);
        }
        input.addColumn("ctr", DataTypes.DOUBLE, ctrCol);
        input.addColumn("cvr", DataTypes.DOUBLE, cvrCol);
        input.addColumn("ctcvr", DataTypes.DOUBLE, ctcvrCol);
        return input;
    }

    @Override
    public Map<Param<?>, Object> getParamMap() {
        return params;
    }

    @Override
    public void close() {
        if (backend != null) {
            if (model != null) {
                model.close();
            }
            backend.close();
            backend = null;
            model = null;
        }
    }
}
