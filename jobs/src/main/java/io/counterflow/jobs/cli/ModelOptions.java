package io.counterflow.jobs.cli;

import io.counterflow.model.settings.Settings;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The model and objective settings shared by train, stream and demo; any setting also via --set name=value. */
public final class ModelOptions {
    @Option(names = "--objective", description = "Objective: naive, mtl-imp, esmm, mtl-ips, mtl-dr, mtl-eib, "
            + "escm2-ips, escm2-dr, dcmt, dcmt-pd, dcmt-cf (default: ${DEFAULT-VALUE}).", defaultValue = "escm2-ips")
    String objective;

    @Option(names = "--lr", description = "Adam learning rate of dense weights (default 0.001).")
    Double lr;

    @Option(names = "--embedding-lr", description = "Learning rate of embedding rows (default 0.001).")
    Double embeddingLr;

    @Option(names = "--embedding-dim", description = "Embedding width (default 16).")
    Integer embeddingDim;

    @Option(names = "--buckets", description = "Hash buckets of the embedding table (default 262144).")
    Integer buckets;

    @Option(names = "--towers", description = "Tower hidden widths, e.g. 256,128,64 (default).")
    String towers;

    @Option(names = "--extractor", description = "shared-bottom (default) or mmoe.")
    String extractor;

    @Option(names = "--seed", description = "Initialisation seed (default 42).")
    Long seed;

    @Option(names = "--set", description = "Any setting as name=value (see README, 'Settings'), repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    /** The settings these options describe; validation errors name the setting. */
    public Settings toSettings() {
        Settings s = new Settings();
        s.setFromString("objective", objective);
        if (lr != null) {
            s.set(Settings.LEARNING_RATE, lr);
        }
        if (embeddingLr != null) {
            s.set(Settings.EMBEDDING_LEARNING_RATE, embeddingLr);
        }
        if (embeddingDim != null) {
            s.set(Settings.EMBEDDING_DIM, embeddingDim);
        }
        if (buckets != null) {
            s.set(Settings.BUCKETS, buckets);
        }
        if (towers != null) {
            s.setFromString("towers", towers);
        }
        if (extractor != null) {
            s.setFromString("extractor", extractor);
        }
        if (seed != null) {
            s.set(Settings.SEED, seed);
        }
        for (Map.Entry<String, String> e : set.entrySet()) {
            s.setFromString(e.getKey(), e.getValue());
        }
        return s;
    }
}
