package io.counterflow.model.objective;

import io.counterflow.model.settings.Settings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The registry of objectives by name: the built-in ones, and any registered by an application or a test
 * before settings name them. Registration order is the order of help texts.
 */
public final class Objectives {
    private static final Map<String, Registration> REGISTRY = new LinkedHashMap<>();

    static {
        register("naive", "L_CTR + mean_O δ (clicked samples only; biased baseline)", NaiveObjective::new);
        register("mtl-imp", "L_CTR + mean_D BCE(r, r̂) (unclicked as negatives; baseline)",
                ImputedNegativesObjective::new);
        register("esmm", "L_CTR + L_CTCVR (ESMM)", EsmmObjective::new);
        register("mtl-ips", "L_CTR + λc·R_IPS", s -> new IpsObjective(s, false));
        register("mtl-dr", "L_CTR + λc·R_DR", s -> new DrObjective(s, false));
        register("mtl-eib", "L_CTR + error-imputation risk (baseline)", EibObjective::new);
        register("escm2-ips", "L_CTR + λc·R_IPS + λg·L_CTCVR (ESCM²-IPS)", s -> new IpsObjective(s, true));
        register("escm2-dr", "L_CTR + λc·R_DR + λg·L_CTCVR (ESCM²-DR)", s -> new DrObjective(s, true));
        for (DcmtObjective.Variant v : DcmtObjective.Variant.values()) {
            register(v.name, v.description, s -> new DcmtObjective(s, v));
        }
    }

    private Objectives() {}

    /** One registered objective. */
    private static final class Registration {
        final String description;
        final Function<Settings, Objective> factory;

        Registration(String description, Function<Settings, Objective> factory) {
            this.description = description;
            this.factory = factory;
        }
    }

    /**
     * Registers an objective under {@code name} (lower case). The settings it reads must be declared in {@link
     * Settings#ALL} (settings cannot be added at run time): a new objective reuses existing ones or adds its
     * declarations there.
     */
    public static synchronized void register(String name, String description, Function<Settings, Objective> factory) {
        String n = name.toLowerCase(Locale.ROOT).trim();
        if (REGISTRY.containsKey(n)) {
            throw new IllegalArgumentException("objective '" + n + "' is already registered");
        }
        REGISTRY.put(n, new Registration(description, factory));
    }

    /** Whether an objective of this name is registered. */
    public static synchronized boolean isRegistered(String name) {
        return name != null && REGISTRY.containsKey(name.toLowerCase(Locale.ROOT).trim());
    }

    /** A new instance of the objective the settings name. */
    public static Objective create(Settings s) {
        String n = s.get(Settings.OBJECTIVE).toLowerCase(Locale.ROOT).trim();
        Registration r;
        synchronized (Objectives.class) {
            r = REGISTRY.get(n);
        }
        if (r == null) {
            throw new IllegalArgumentException("unknown objective '" + n + "'; expected one of " + String.join(", ",
                    names()));
        }
        Objective o = r.factory.apply(s);
        if (!o.name().equals(n)) {
            throw new IllegalStateException("objective registered as '" + n + "' calls itself '" + o.name() + "'");
        }
        return o;
    }

    /** Registered names, in registration order. */
    public static synchronized List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** The description of a registered objective. */
    public static synchronized String description(String name) {
        Registration r = REGISTRY.get(name);
        return r == null ? null : r.description;
    }
}
