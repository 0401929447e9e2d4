package io.counterflow.model.backend;

import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a backend by explicit name, with a logged fallback: {@code java}, {@code openblas}, {@code cuda}, and
 * {@code auto} (the fastest that works here: CUDA when a device answers, else OpenBLAS, else Java). Whether CUDA
 * works is probed once per JVM and cached, so {@code auto} stays cheap on machines without a GPU.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    /** Names accepted by {@link #create}. */
    public static final String[] NAMES = {"auto", "openblas", "java", "cuda"};

    private Backends() {}

    /**
     * Creates the named backend; {@code auto} falls back with a logged reason. {@code cuda} throws a {@link
     * CudaException} saying why when CUDA is unavailable here (no driver, no device, missing libraries).
     */
    public static Backend create(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "java":
                return new JavaBackend();
            case "openblas":
                return new OpenBlasBackend();
            case "cuda":
                return CudaBackend.open();
            case "auto":
                return auto();
            default:
                throw new IllegalArgumentException(
                        "unknown backend '" + name + "'; expected one of " + String.join(", ", NAMES));
        }
    }

    /** Why the CUDA backend cannot be created here, or empty when it can (probed once, then cached). */
    public static Optional<String> cudaUnavailableReason() {
        return CudaAvailability.unavailableReason();
    }

    private static Backend auto() {
        Optional<String> noCuda = CudaAvailability.unavailableReason();
        if (noCuda.isEmpty()) {
            try {
                return CudaBackend.open();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("backend auto: CUDA failed to start ({}); trying OpenBLAS", e.toString());
            }
        } else {
            LOG.debug("backend auto: CUDA unavailable ({}); trying OpenBLAS", noCuda.get());
        }
        try {
            return new OpenBlasBackend();
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError) {
                throw (VirtualMachineError) t;
            }
            LOG.warn("backend auto: OpenBLAS unavailable ({}); using the Java reference backend", t.toString());
            return new JavaBackend();
        }
    }
}
