package io.counterflow.jobs.cli;

import io.counterflow.model.settings.Settings;

import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.ml.param.Param;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model and objective settings shared by train, stream and demo. Each flag names one model setting of {@link
 * Settings} (declared there once, with its default and validation); any setting also via {@code --set
 * name=value} or, for the streaming job, the configuration key {@code counterflow.model.<name>} (config.yaml or
 * {@code -D}). Precedence: flag, then {@code --set}, then the configuration, then the setting's default.
 */
public final class ModelOptions {
    /** Prefix of the model settings' configuration keys. */
    public static final String KEY_PREFIX = "counterflow.model.";

    @Option(names = "--objective", description = "Objective: naive, mtl-imp, esmm, mtl-ips, mtl-dr, mtl-eib, "
            + "escm2-ips, escm2-dr, dcmt, dcmt-pd, dcmt-cf.")
    String objective;

    @Option(names = "--lr", description = "Adam learning rate of dense weights.")
    Double lr;

    @Option(names = "--embedding-lr", description = "Learning rate of embedding rows.")
    Double embeddingLr;

    @Option(names = "--embedding-dim", description = "Embedding width.")
    Integer embeddingDim;

    @Option(names = "--buckets", description = "Hash buckets of the embedding table.")
    Integer buckets;

    @Option(names = "--towers", description = "Tower hidden widths, e.g. 256,128,64.")
    String towers;

    @Option(names = "--extractor", description = "shared-bottom, mmoe or ple.")
    String extractor;

    @Option(names = "--seed", description = "Initialisation seed.")
    Long seed;

    @Option(names = "--set", description = "Any model setting as name=value (docs/model.md lists them), repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    /** The settings these options describe; validation errors name the setting. */
    public Settings toSettings() {
        return toSettings(new org.apache.flink.configuration.Configuration());
    }

    /** The settings of the configuration's {@code counterflow.model.*} keys, overridden by these options. */
    public Settings toSettings(ReadableConfig config) {
        Settings s = new Settings();
        Map<String, String> keys = config.toMap();
        for (Param<?> p : Settings.ALL) {
            String v = keys.get(KEY_PREFIX + p.name);
            if (v != null) {
                s.setFromString(p.name, v);
            }
        }
        for (Map.Entry<String, String> e : set.entrySet()) {
            s.setFromString(e.getKey(), e.getValue());
        }
        if (objective != null) {
            s.setFromString("objective", objective);
        }
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
        return s;
    }

    /**
     * Appends to each model flag's help its configuration key and the setting's default (from {@link Settings},
     * the one declaration), for a command's model transformer.
     */
    public static CommandSpec describe(CommandSpec spec) {
        for (Param<?> p : Settings.ALL) {
            OptionSpec o = spec.findOption("--" + p.name);
            if (o == null) {
                continue;
            }
            String[] d = o.description();
            String text = (d.length == 0 ? "" : String.join(" ", d)) + " [" + KEY_PREFIX + p.name + "; default: "
                    + defaultText(p.defaultValue) + "]";
            spec.remove(o);
            spec.addOption(o.toBuilder().description(text).build());
        }
        return spec;
    }

    private static String defaultText(Object v) {
        if (v instanceof Object[]) {
            return String.join(",", Arrays.stream((Object[]) v).map(String::valueOf).toList());
        }
        return String.valueOf(v);
    }
}
