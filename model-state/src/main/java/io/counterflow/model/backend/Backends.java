package io.counterflow.model.backend;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a backend by explicit name, with a logged fallback: {@code java}, {@code openblas}, {@code auto}
 * (the fastest that works here: OpenBLAS, else Java). {@code cuda} is reserved for the CUDA backend.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    /** Names accepted by {@link #create}. */
    public static final String[] NAMES = {"auto", "openblas", "java", "cuda"};

    private Backends() {}

    /** Creates the named backend; {@code auto} falls back with a logged reason. */
    public static Backend create(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "java":
                return new JavaBackend();
            case "openblas":
                return new OpenBlasBackend();
            case "auto":
                try {
                    return new OpenBlasBackend();
                } catch (Throwable t) {
                    LOG.warn("backend auto: OpenBLAS unavailable ({}); using the Java reference backend", t.toString());
                    return new JavaBackend();
                }
            case "cuda":
                throw new IllegalArgumentException(
                        "backend cuda: not available in this build; use openblas, java or auto");
            default:
                throw new IllegalArgumentException(
                        "unknown backend '" + name + "'; expected one of " + String.join(", ", NAMES));
        }
    }
}
