package io.counterflow.operators.train;

import io.counterflow.model.feedback.Labeling;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.settings.Settings;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.model.settings.Setting;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The training operator's settings (each declared once below) plus the model's {@link Settings}. Immutable and
 * validated on construction; build with {@link #builder()} or {@link #fromConfig}.
 *
 * <p>Feature space: when any of the three field lists is set, the model's input layer is exactly those fields
 * (categorical, multi-valued, numeric). When all three are empty (the default), the schema is inferred from the
 * first batch the operator trains on ({@code FeatureSpace.infer}) and then fixed for the life of the model (it is
 * part of every checkpoint): fields that first appear later are ignored. Set the lists in production, so that a
 * rare field missing from the first batch is not lost.
 */
public final class TrainingSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Compute backend of the model. */
    public static final Setting<String> BACKEND = Setting.of(
            ConfigOptions.key("counterflow.train.backend").stringType().defaultValue("openblas")
                    .withDescription("Compute backend of the model: openblas (native, one thread per operator),"
                            + " java (pure-Java reference; bit-for-bit reproducible), cuda (one GPU per operator)"
                            + " or auto (cuda if a GPU answers, else openblas, else java)."),
            "one of openblas, java, cuda, auto", b -> Set.of(Backends.NAMES).contains(b));

    public static final Setting<List<String>> CATEGORICAL_FIELDS = Setting.of(
            ConfigOptions.key("counterflow.train.categorical-fields").stringType().asList().defaultValues()
                    .withDescription("Single-valued categorical feature fields. With all three field lists empty,"
                            + " the schema is inferred from the first batch."),
            "a list of field names", l -> l != null);

    public static final Setting<List<String>> MULTI_VALUED_FIELDS = Setting.of(
            ConfigOptions.key("counterflow.train.multi-valued-fields").stringType().asList().defaultValues()
                    .withDescription("Multi-valued categorical feature fields (string arrays, mean-pooled)."),
            "a list of field names", l -> l != null);

    public static final Setting<List<String>> NUMERIC_FIELDS = Setting.of(
            ConfigOptions.key("counterflow.train.numeric-fields").stringType().asList().defaultValues()
                    .withDescription("Numeric feature fields (standardised with running statistics)."),
            "a list of field names", l -> l != null);

    /** Size of the window of recent predictions behind the running AUC and calibration gauges. */
    public static final Setting<Integer> EVAL_WINDOW = Setting.of(
            ConfigOptions.key("counterflow.train.eval-window").intType().defaultValue(20_000)
                    .withDescription("The running AUC and mean-prediction gauges cover the last this many"
                            + " samples (predictions made before training on their batch)."),
            "between 100 and 10000000", n -> n >= 100 && n <= 10_000_000);

    /** Every n-th batch feeds the running metrics with its pre-update predictions (progressive validation); 0: off. */
    public static final Setting<Integer> EVAL_EVERY = Setting.of(
            ConfigOptions.key("counterflow.train.eval-every").intType().defaultValue(1)
                    .withDescription("Add every n-th batch's predictions to the running metrics: those of the"
                            + " training step's own forward pass, made before its update (prequential; no extra"
                            + " forward pass); 0 = never."),
            "zero or positive", n -> n >= 0);

    /** Local directory for prepared snapshots; empty means {@code java.io.tmpdir}. */
    public static final Setting<String> STAGING_DIR = Setting.of(
            ConfigOptions.key("counterflow.train.staging-dir").stringType().defaultValue("")
                    .withDescription("Local scratch directory where each model version's files are written before"
                            + " they are handed to the version sink (empty: java.io.tmpdir)."),
            "a path or empty", s -> s != null);

    /** How often the trainer logs a progress line (step, samples, rate, running metrics, last version). */
    public static final Setting<java.time.Duration> LOG_INTERVAL = Setting.of(
            ConfigOptions.key("counterflow.train.log-interval").durationType()
                    .defaultValue(java.time.Duration.ofSeconds(30))
                    .withDescription("The trainer logs one progress line (step, samples trained, rate, running"
                            + " AUCs, last published version) at most this often, processing time."),
            "positive", d -> !d.isNegative() && !d.isZero());

    /** Diagnosis: time every kernel of the training step and log milliseconds per step with each progress line. */
    public static final Setting<Boolean> KERNEL_TIMING = Setting.of(
            ConfigOptions.key("counterflow.train.kernel-timing").booleanType().defaultValue(false)
                    .withDescription("Time every kernel call of the training step (GEMMs by role, element-wise"
                            + " kernels, embedding, optimisers) and log milliseconds per training step by kernel"
                            + " with each progress line, over the steps since the previous one. For diagnosis: wall"
                            + " time per call, exact on the CPU backends; on cuda it counts launches, not device"
                            + " time."),
            "true or false", v -> v != null);

    /** Every setting of the training operator (the model's own settings are {@code Settings.ALL}), in documentation order. */
    public static final java.util.List<Setting<?>> SETTINGS = java.util.List.of(BACKEND, CATEGORICAL_FIELDS,
            MULTI_VALUED_FIELDS, NUMERIC_FIELDS, EVAL_WINDOW, EVAL_EVERY, LOG_INTERVAL, KERNEL_TIMING, STAGING_DIR);

    private final String backend;
    private final int batchCapacity;
    private final String[] categoricalFields;
    private final String[] multiValuedFields;
    private final String[] numericFields;
    private final int evalWindow;
    private final int evalEvery;
    private final String stagingDir;
    private final long logIntervalMs;
    private final boolean kernelTiming;
    /** Model settings as {@code Settings.toJsonMap()} (Settings itself is not serializable). */
    private final LinkedHashMap<String, Object> model;
    /** The labeling policy whose rows this trainer receives, and the windows its weights need (from the join's settings). */
    private final String labeling;
    private final long attributionWindowMs;
    private final long labelingElapsedMs;

    private TrainingSettings(TrainingSettings o, Labeling labeling, long attributionWindowMs, long elapsedMs) {
        this.backend = o.backend;
        this.batchCapacity = o.batchCapacity;
        this.categoricalFields = o.categoricalFields;
        this.multiValuedFields = o.multiValuedFields;
        this.numericFields = o.numericFields;
        this.evalWindow = o.evalWindow;
        this.evalEvery = o.evalEvery;
        this.stagingDir = o.stagingDir;
        this.logIntervalMs = o.logIntervalMs;
        this.kernelTiming = o.kernelTiming;
        this.model = o.model;
        this.labeling = labeling.cliName();
        this.attributionWindowMs = attributionWindowMs;
        // fnw and wait never wait after the click; es-dfm and defer need c within the window.
        this.labelingElapsedMs = Math.min(elapsedMs, attributionWindowMs);
    }

    /** These settings for the rows of {@code labeling} with the join's attribution window and elapsed time c. */
    public TrainingSettings withFeedback(Labeling labeling, long attributionWindowMs, long elapsedMs) {
        return new TrainingSettings(this, labeling, attributionWindowMs, elapsedMs);
    }

    private TrainingSettings(Builder b) {
        this.backend = BACKEND.check(b.backend);
        this.batchCapacity = MiniBatchSettings.BATCH_SIZE.check(b.batchCapacity);
        this.categoricalFields = CATEGORICAL_FIELDS.check(b.categoricalFields).toArray(new String[0]);
        this.multiValuedFields = MULTI_VALUED_FIELDS.check(b.multiValuedFields).toArray(new String[0]);
        this.numericFields = NUMERIC_FIELDS.check(b.numericFields).toArray(new String[0]);
        this.evalWindow = EVAL_WINDOW.check(b.evalWindow);
        this.evalEvery = EVAL_EVERY.check(b.evalEvery);
        this.stagingDir = STAGING_DIR.check(b.stagingDir);
        this.logIntervalMs = LOG_INTERVAL.check(b.logInterval).toMillis();
        this.kernelTiming = KERNEL_TIMING.check(b.kernelTiming);
        this.model = new LinkedHashMap<>(b.model.toJsonMap());
        this.labeling = b.labeling.cliName();
        this.attributionWindowMs = b.attributionWindowMs;
        this.labelingElapsedMs = b.labelingElapsedMs;
        if (attributionWindowMs <= 0 || labelingElapsedMs < 0 || labelingElapsedMs > attributionWindowMs) {
            throw new IllegalArgumentException("labeling: elapsed " + labelingElapsedMs + " ms must be in [0, the "
                    + "attribution window " + attributionWindowMs + " ms]");
        }
        Settings.fromJsonMap(model); // fails here, not on the cluster, if a value does not survive the round trip
    }

    public static Builder builder() {
        return new Builder();
    }

    public static TrainingSettings defaults() {
        return builder().build();
    }

    /** Reads every operator setting from {@code config} (defaults where absent); model settings as given. */
    public static Builder builder(ReadableConfig config, Settings model) {
        return builder().backend(BACKEND.read(config)).categoricalFields(CATEGORICAL_FIELDS.read(config))
                .multiValuedFields(MULTI_VALUED_FIELDS.read(config)).numericFields(NUMERIC_FIELDS.read(config))
                .evalWindow(EVAL_WINDOW.read(config)).evalEvery(EVAL_EVERY.read(config))
                .stagingDir(STAGING_DIR.read(config)).logInterval(LOG_INTERVAL.read(config))
                .kernelTiming(KERNEL_TIMING.read(config)).batchCapacity(MiniBatchSettings.BATCH_SIZE.read(config))
                .model(model);
    }

    public String backend() {
        return backend;
    }

    /** Largest batch trained in one step (larger batches are split); the mini-batch size. */
    public int batchCapacity() {
        return batchCapacity;
    }

    /** Whether the feature space is inferred from the first batch (no field list set). */
    public boolean infersFeatureSpace() {
        return categoricalFields.length + multiValuedFields.length + numericFields.length == 0;
    }

    public String[] categoricalFields() {
        return categoricalFields.clone();
    }

    public String[] multiValuedFields() {
        return multiValuedFields.clone();
    }

    public String[] numericFields() {
        return numericFields.clone();
    }

    public int evalWindow() {
        return evalWindow;
    }

    public int evalEvery() {
        return evalEvery;
    }

    /** The labeling policy of the rows (its weights are applied here). */
    public Labeling labeling() {
        return Labeling.of(labeling);
    }

    public long attributionWindowMs() {
        return attributionWindowMs;
    }

    public long labelingElapsedMs() {
        return labelingElapsedMs;
    }

    /** Interval of the trainer's progress log line, in ms. */
    public long logIntervalMs() {
        return logIntervalMs;
    }

    /** Whether the trainer times its kernels ({@link #KERNEL_TIMING}). */
    public boolean kernelTiming() {
        return kernelTiming;
    }

    public String stagingDir() {
        return stagingDir;
    }

    /** A fresh copy of the model settings. */
    public Settings model() {
        return Settings.fromJsonMap(model);
    }

    @Override
    public String toString() {
        return "TrainingSettings{backend=" + backend + ", batchCapacity=" + batchCapacity + ", fields="
                + (infersFeatureSpace() ? "inferred" : Arrays.toString(categoricalFields) + "/"
                        + Arrays.toString(multiValuedFields) + "/" + Arrays.toString(numericFields))
                + ", evalWindow=" + evalWindow + ", evalEvery=" + evalEvery + ", labeling=" + labeling + ", model="
                + model + "}";
    }

    /** Builder; every value starts at its setting's default, the model at {@code new Settings()}. */
    public static final class Builder {
        private String backend = BACKEND.defaultValue();
        private Integer batchCapacity = MiniBatchSettings.BATCH_SIZE.defaultValue();
        private List<String> categoricalFields = List.of();
        private List<String> multiValuedFields = List.of();
        private List<String> numericFields = List.of();
        private Integer evalWindow = EVAL_WINDOW.defaultValue();
        private Integer evalEvery = EVAL_EVERY.defaultValue();
        private String stagingDir = STAGING_DIR.defaultValue();
        private java.time.Duration logInterval = LOG_INTERVAL.defaultValue();
        private Boolean kernelTiming = KERNEL_TIMING.defaultValue();
        private Settings model = new Settings();

        private Labeling labeling = Labeling.of(io.counterflow.operators.join.LabelJoinSettings.DEFAULT_LABELING_POLICY);
        private long attributionWindowMs = 7 * 24 * 3_600_000L;
        private long labelingElapsedMs = 15 * 60_000L;

        private Builder() {}

        public Builder backend(String b) {
            this.backend = b;
            return this;
        }

        public Builder batchCapacity(int n) {
            this.batchCapacity = n;
            return this;
        }

        public Builder categoricalFields(List<String> f) {
            this.categoricalFields = f;
            return this;
        }

        public Builder multiValuedFields(List<String> f) {
            this.multiValuedFields = f;
            return this;
        }

        public Builder numericFields(List<String> f) {
            this.numericFields = f;
            return this;
        }

        public Builder evalWindow(int n) {
            this.evalWindow = n;
            return this;
        }

        public Builder evalEvery(int n) {
            this.evalEvery = n;
            return this;
        }

        public Builder kernelTiming(boolean on) {
            this.kernelTiming = on;
            return this;
        }

        public Builder logInterval(java.time.Duration d) {
            this.logInterval = d;
            return this;
        }

        public Builder stagingDir(String d) {
            this.stagingDir = d;
            return this;
        }

        public Builder model(Settings s) {
            this.model = s.copy();
            return this;
        }

        /** The labeling policy of the join feeding this trainer, its attribution window and elapsed time c. */
        public Builder feedback(Labeling policy, long attributionWindowMs, long elapsedMs) {
            this.labeling = policy;
            this.attributionWindowMs = attributionWindowMs;
            this.labelingElapsedMs = elapsedMs;
            return this;
        }

        public TrainingSettings build() {
            return new TrainingSettings(this);
        }
    }

    /** Model settings map, for tests. */
    Map<String, Object> modelMap() {
        return model;
    }
}
