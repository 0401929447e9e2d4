package io.counterflow.model.backend;

/**
 * A CUDA driver, cuBLAS or NVRTC call failed, or CUDA cannot be used on this machine. The message names the call
 * and the library's own name and description of the error (and, for NVRTC, the compilation log).
 */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
