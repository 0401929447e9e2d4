package io.counterflow.model.settings;

import io.counterflow.model.objective.DcmtObjective;
import io.counterflow.model.objective.DrObjective;
import io.counterflow.model.objective.IpsObjective;
import io.counterflow.model.objective.Objective;
import io.counterflow.model.objective.Objectives;
import io.counterflow.model.objective.Propensity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.ml.param.BooleanParam;
import org.apache.flink.ml.param.DoubleParam;
import org.apache.flink.ml.param.IntArrayParam;
import org.apache.flink.ml.param.IntParam;
import org.apache.flink.ml.param.LongParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.ParamValidators;
import org.apache.flink.ml.param.StringParam;
import org.apache.flink.ml.param.WithParams;

/**
 * All settings, each declared once with its default and validator. Defaults follow the papers where they say
 * something (λc = 0.1, λg = 1 from ESCM²; λ1 = 0.001, w_cvr = w_ctcvr = 1 from DCMT); the README explains the
 * choices where they are silent.
 */
public final class Settings implements WithParams<Settings> {

    // ---- objective ----
    public static final Param<String> OBJECTIVE = new StringParam("objective",
            "Training objective: " + String.join(", ", Objectives.names()) + ".", "escm2-ips",
            Objectives::isRegistered);
    public static final Param<String> OUTPUT_BIAS_INIT = new StringParam("output-bias-init",
            "Initial bias of every head's output layer: first-batch (the base rates of the first training batch, "
                    + "smoothed: pCTR starts at the click rate, pCVR at the conversion rate among clicks, so "
                    + "calibration does not depend on how long training ran), prior (the stated rates prior-ctr and "
                    + "prior-cvr: for a stream whose first batch is not representative) or zero (every head starts "
                    + "at 0.5).",
            "first-batch", ParamValidators.inArray("first-batch", "prior", "zero"));
    public static final Param<Double> PRIOR_CTR = new DoubleParam("prior-ctr",
            "output-bias-init prior: the click rate the CTR head starts at.", 0.04,
            ParamValidators.inRange(0, 1, false, false));
    public static final Param<Double> PRIOR_CVR = new DoubleParam("prior-cvr",
            "output-bias-init prior: the conversion rate among clicks the CVR head starts at.", 0.1,
            ParamValidators.inRange(0, 1, false, false));
    // ---- feature space ----
    public static final Param<Integer> EMBEDDING_DIM = new IntParam("embedding-dim",
            "Embedding width per field.", 16, ParamValidators.inRange(1, 1024));
    public static final Param<Integer> BUCKETS = new IntParam("buckets",
            "Rows of the shared embedding table (hash buckets); per field when the table is per-field.", 1 << 18,
            ParamValidators.inRange(1, 1 << 26));
    public static final Param<Boolean> TABLE_PER_FIELD = new BooleanParam("table-per-field",
            "One table of `buckets` rows per categorical field instead of one shared table.", false);
    public static final Param<Long> HASH_SEED = new LongParam("hash-seed",
            "Seed of the 64-bit feature hash (field name + value).", 0x5eed_c0ffeeL);

    // ---- architecture ----
    public static final Param<String> EXTRACTOR = new StringParam("extractor",
            "Shared extractor: shared-bottom (the embedding concatenation feeds every tower; ESMM), mmoe "
                    + "(experts with a softmax gate per tower; the ESCM² paper's choice) or ple (customized gate "
                    + "control, the extraction layer of PLE: shared experts plus task-specific experts per tower, "
                    + "each tower's gate over its own and the shared ones).", "shared-bottom",
            ParamValidators.inArray("shared-bottom", "mmoe", "ple"));
    public static final Param<Integer> EXPERTS = new IntParam("experts",
            "MMoE: number of experts; PLE: number of shared experts.", 4, ParamValidators.inRange(1, 64));
    public static final Param<Integer> TASK_EXPERTS = new IntParam("task-experts",
            "PLE: number of task-specific experts per tower.", 2, ParamValidators.inRange(1, 64));
    public static final Param<Integer> EXPERT_WIDTH = new IntParam("expert-width",
            "MMoE: width of each expert (one ReLU layer).", 128, ParamValidators.inRange(1, 8192));
    public static final Param<Integer[]> TOWERS = new IntArrayParam("towers",
            "Hidden widths of every tower's MLP (ReLU), e.g. 256,128,64; the output layer adds one logit.",
            new Integer[] {256, 128, 64}, ParamValidators.nonEmptyArray());

    // ---- optimisation ----
    public static final Param<Double> LEARNING_RATE = new DoubleParam("lr",
            "Adam learning rate of the dense weights.", 1e-3, ParamValidators.gt(0));
    public static final Param<Double> EMBEDDING_LEARNING_RATE = new DoubleParam("embedding-lr",
            "Learning rate of the embedding rows (lazy Adam or Adagrad).", 1e-3, ParamValidators.gt(0));
    public static final Param<String> EMBEDDING_OPTIMIZER = new StringParam("embedding-optimizer",
            "Optimiser of the embedding rows a batch touches: lazy-adam or adagrad.", "lazy-adam",
            ParamValidators.inArray("lazy-adam", "adagrad"));
    public static final Param<Double> L2 = new DoubleParam("l2",
            "L2 penalty (λ2 of DCMT Eq. 14) added to every gradient as l2·w.", 0.0, ParamValidators.gtEq(0));
    public static final Param<Double> ADAM_BETA1 = new DoubleParam("adam-beta1", "Adam β1.", 0.9,
            ParamValidators.inRange(0, 1, true, false));
    public static final Param<Double> ADAM_BETA2 = new DoubleParam("adam-beta2", "Adam β2.", 0.999,
            ParamValidators.inRange(0, 1, true, false));
    public static final Param<Double> ADAM_EPSILON = new DoubleParam("adam-epsilon", "Adam ε.", 1e-8,
            ParamValidators.gt(0));
    public static final Param<Long> SEED = new LongParam("seed", "Seed of the weight initialisation.", 42L);

    /** Every declared setting, in declaration order. */
    public static final List<Param<?>> ALL = List.of(OBJECTIVE, IpsObjective.LAMBDA_C, IpsObjective.LAMBDA_G,
            DcmtObjective.LAMBDA_1, DcmtObjective.W_CVR, DcmtObjective.W_CTCVR, Propensity.EPSILON,
            Propensity.CTR_GRADIENT_FROM_CVR, Propensity.PROPENSITY_SOURCE, IpsObjective.IPS_NORMALISATION,
            DrObjective.IMPUTATION_GRADIENT_TO_CVR, DrObjective.TRAINING, OUTPUT_BIAS_INIT, PRIOR_CTR, PRIOR_CVR,
            EMBEDDING_DIM, BUCKETS, TABLE_PER_FIELD, HASH_SEED, EXTRACTOR, EXPERTS, TASK_EXPERTS, EXPERT_WIDTH, TOWERS,
            LEARNING_RATE, EMBEDDING_LEARNING_RATE, EMBEDDING_OPTIMIZER, L2, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON,
            SEED);

    private final Map<Param<?>, Object> values = new LinkedHashMap<>();

    public Settings() {
        for (Param<?> p : ALL) {
            values.put(p, p.defaultValue);
        }
    }

    @Override
    public Map<Param<?>, Object> getParamMap() {
        return values;
    }

    /** Sets a value after validating it; the message names the setting. */
    @Override
    public <V> Settings set(Param<V> param, V value) {
        if (!values.containsKey(param)) {
            throw new IllegalArgumentException("unknown setting '" + param.name + "'");
        }
        if (value == null || !param.validator.validate(value)) {
            throw new IllegalArgumentException("invalid value " + show(value) + " for setting '" + param.name
                    + "': " + param.description);
        }
        values.put(param, value);
        return this;
    }

    /** Sets a setting by name from its textual (CLI) form. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Settings setFromString(String name, String text) {
        Param p = param(name);
        Object v;
        try {
            if (p.clazz == Integer.class) {
                v = Integer.valueOf(text.trim());
            } else if (p.clazz == Long.class) {
                v = Long.valueOf(text.trim());
            } else if (p.clazz == Double.class) {
                v = Double.valueOf(text.trim());
            } else if (p.clazz == Boolean.class) {
                if (!text.trim().equalsIgnoreCase("true") && !text.trim().equalsIgnoreCase("false")) {
                    throw new NumberFormatException("not true/false");
                }
                v = Boolean.valueOf(text.trim());
            } else if (p.clazz == Integer[].class) {
                String[] parts = text.split(",");
                Integer[] a = new Integer[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    a[i] = Integer.valueOf(parts[i].trim());
                    if (a[i] <= 0) {
                        throw new NumberFormatException("widths must be positive");
                    }
                }
                v = a;
            } else {
                v = text.trim();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "invalid value '" + text + "' for setting '" + name + "': " + e.getMessage(), e);
        }
        return set(p, v);
    }

    /** The declared setting with this name. */
    public static Param<?> param(String name) {
        for (Param<?> p : ALL) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown setting '" + name + "'");
    }

    /** Settings as a JSON-ready map (name → value), for the snapshot manifest. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<Param<?>, Object> e : values.entrySet()) {
            try {
                m.put(e.getKey().name, ((Param) e.getKey()).jsonEncode(e.getValue()));
            } catch (IOException ex) {
                throw new IllegalStateException("cannot encode setting " + e.getKey().name, ex);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** Reads settings written by {@link #toJsonMap}; unknown names are rejected, missing ones keep defaults. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Settings fromJsonMap(Map<String, Object> m) {
        Settings s = new Settings();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            Param p = param(e.getKey());
            try {
                Object raw = e.getValue();
                if (p.clazz == Integer[].class && raw instanceof List) {
                    List<?> l = (List<?>) raw;
                    Integer[] a = new Integer[l.size()];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = ((Number) l.get(i)).intValue();
                    }
                    s.set(p, a);
                } else if (p.clazz == Long.class && raw instanceof Number) {
                    s.set(p, ((Number) raw).longValue());
                } else if (p.clazz == Integer.class && raw instanceof Number) {
                    s.set(p, ((Number) raw).intValue());
                } else if (p.clazz == Double.class && raw instanceof Number) {
                    s.set(p, ((Number) raw).doubleValue());
                } else if (raw != null && !p.clazz.isInstance(raw)) {
                    // Not the type toJsonMap writes (and flink-ml's jsonDecode would either accept it unchecked or,
                    // for arrays, need Flink's shaded Jackson, which a serving classpath lacks).
                    throw new ClassCastException(raw + " is not a " + p.clazz.getSimpleName());
                } else {
                    s.set(p, p.jsonDecode(raw));
                }
            } catch (IOException | ClassCastException ex) {
                throw new IllegalArgumentException("setting '" + e.getKey() + "' has an unreadable value "
                        + e.getValue(), ex);
            }
        }
        return s;
    }

    /** A copy. */
    public Settings copy() {
        Settings s = new Settings();
        s.values.putAll(values);
        return s;
    }

    /** A new instance of the objective these settings name. */
    public Objective objective() {
        return Objectives.create(this);
    }

    /** Tower widths as an int array. */
    public int[] towers() {
        Integer[] t = get(TOWERS);
        int[] a = new int[t.length];
        for (int i = 0; i < t.length; i++) {
            a[i] = t[i];
        }
        return a;
    }

    private static String show(Object v) {
        if (v instanceof Object[]) {
            return java.util.Arrays.toString((Object[]) v);
        }
        return String.valueOf(v);
    }

    /** Names of every setting (for help texts). */
    public static List<String> names() {
        List<String> l = new ArrayList<>();
        for (Param<?> p : ALL) {
            l.add(p.name);
        }
        return l;
    }
}
