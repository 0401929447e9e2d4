package io.counterflow.model.backend;

import java.util.Optional;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether CUDA can be used in this JVM, probed once and cached (so {@code auto} stays cheap on a machine without a
 * GPU). The probe loads the driver-API/runtime bindings (which need {@code libcuda.so.1} and {@code
 * libcudart.so.13}), initialises the driver, counts devices, and loads cuBLAS and NVRTC. Without a GPU or driver
 * the first touch of the bindings throws {@link UnsatisfiedLinkError} and every later one {@link
 * NoClassDefFoundError}; both are caught here (the JVM stays healthy) and turned into a one-line reason. Kept
 * apart from {@code CudaBackend} so that nothing but this probe touches a CUDA class before it succeeded.
 */
final class CudaAvailability {
    private static final Logger LOG = LoggerFactory.getLogger(CudaAvailability.class);
    private static final int MAX_REASON = 400;

    private static boolean probed;
    private static String reason;

    private CudaAvailability() {}

    /** Empty when CUDA works here; else why not (probed on the first call only). */
    static synchronized Optional<String> unavailableReason() {
        if (!probed) {
            reason = probe();
            probed = true;
            if (reason == null) {
                LOG.info("CUDA available");
            } else {
                LOG.info("CUDA unavailable: {}", reason);
            }
        }
        return Optional.ofNullable(reason);
    }

    /** Throws a {@link CudaException} with the reason unless CUDA works here. */
    static void require() {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new CudaException("backend cuda: CUDA unavailable: " + why.get()
                    + "; use --backend openblas, java or auto");
        }
    }

    private static String probe() {
        try {
            int r = cudart.cuInit(0);
            if (r != cudart.CUDA_SUCCESS) {
                return CudaStatus.message("cuInit", r, CudaBackend.errorName(r), CudaBackend.errorString(r));
            }
            int[] count = {0};
            r = cudart.cuDeviceGetCount(count);
            if (r != cudart.CUDA_SUCCESS) {
                return CudaStatus.message("cuDeviceGetCount", r, CudaBackend.errorName(r),
                        CudaBackend.errorString(r));
            }
            if (count[0] == 0) {
                return "the CUDA driver reports no device";
            }
            Loader.load(cublas.class);
            Loader.load(nvrtc.class);
            return null;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            return describe(t);
        }
    }

    /**
     * A one-line account of a loading failure. When the driver library is what failed to load, the usual case on
     * a machine without a GPU, just that: "no CUDA driver: libcuda.so.1: cannot open shared object file: ...".
     * Otherwise the innermost cause first (e.g. a missing libcublas), then the outer throwable (e.g. "no
     * jnicublas in java.library.path: ...").
     */
    static String describe(Throwable t) {
        Throwable root = t;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 5; depth++) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int driver = message.indexOf("libcuda.so");
        String s;
        if (root instanceof UnsatisfiedLinkError && driver >= 0) {
            s = "no CUDA driver: " + message.substring(driver);
        } else {
            s = root.toString();
            if (root != t) {
                s += " (from " + t + ")";
            }
        }
        s = s.replace('\n', ' ');
        return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON) + "...";
    }
}
