package io.counterflow.model.snapshot;

import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.nn.Architecture;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON-ready description of a model shared by snapshots and checkpoints: settings, feature space, counters. */
final class ModelDescription {
    private ModelDescription() {}

    static Map<String, Object> featureSpace(FeatureSpace fs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("categorical", List.of(fs.catFields));
        m.put("multi_valued", List.of(fs.multiFields));
        m.put("numeric", List.of(fs.numFields));
        m.put("embedding_dim", fs.dim);
        m.put("buckets", fs.buckets);
        m.put("table_per_field", fs.tablePerField);
        m.put("hash_seed", fs.hashSeed);
        List<Double> stats = new ArrayList<>();
        for (double d : fs.numericState()) {
            stats.add(d);
        }
        m.put("numeric_stats", stats);
        return m;
    }

    @SuppressWarnings("unchecked")
    static FeatureSpace featureSpace(Map<String, Object> m, String where) throws SnapshotFormatException {
        try {
            FeatureSpace fs = new FeatureSpace(strings(m.get("categorical")), strings(m.get("multi_valued")),
                    strings(m.get("numeric")), ((Number) m.get("embedding_dim")).intValue(),
                    ((Number) m.get("buckets")).intValue(), (Boolean) m.get("table_per_field"),
                    ((Number) m.get("hash_seed")).longValue());
            List<Number> stats = (List<Number>) m.get("numeric_stats");
            double[] s = new double[stats.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = stats.get(i).doubleValue();
            }
            fs.restoreNumericState(s);
            return fs;
        } catch (RuntimeException e) {
            throw new SnapshotFormatException(where + ": unreadable feature_space (" + e + ")");
        }
    }

    @SuppressWarnings("unchecked")
    private static String[] strings(Object o) {
        return ((List<String>) o).toArray(new String[0]);
    }

    @SuppressWarnings("unchecked")
    static Settings settings(Object o, String where) throws SnapshotFormatException {
        try {
            return Settings.fromJsonMap((Map<String, Object>) o);
        } catch (RuntimeException e) {
            throw new SnapshotFormatException(where + ": unreadable settings (" + e.getMessage() + ")");
        }
    }

    static Map<String, Object> counters(CvrModel m) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("step", m.step());
        c.put("skipped_batches", m.skippedBatches());
        c.put("trained_samples", m.trainedSamples());
        return c;
    }

    /**
     * The parameter floats a model with these settings holds, computed from its {@link Architecture} before
     * allocating anything: a reader compares it with the bytes actually present, so a crafted manifest cannot
     * make it allocate more than the files hold.
     */
    static long parameterFloats(Settings s, FeatureSpace fs) {
        return new Architecture(s, fs, s.objective().heads()).parameterFloats();
    }
}
