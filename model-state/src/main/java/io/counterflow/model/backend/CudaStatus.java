package io.counterflow.model.backend;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.nvrtc;

/**
 * Turns CUDA status codes into exceptions that name the failed call and the error. The names of cuBLAS and NVRTC
 * statuses are tabulated here (the constants are compile-time values of the bindings, so no native library is
 * touched and the mapping is tested without a GPU); driver errors are named by the driver itself
 * (cuGetErrorName / cuGetErrorString, see {@code CudaBackend}).
 */
final class CudaStatus {
    private CudaStatus() {}

    /** "call failed: NAME (code): description", the message of every CUDA failure. */
    static String message(String call, int code, String name, String description) {
        StringBuilder sb = new StringBuilder(call).append(" failed: ").append(name).append(" (").append(code)
                .append(')');
        if (description != null && !description.isEmpty() && !description.equals(name)) {
            sb.append(": ").append(description);
        }
        return sb.toString();
    }

    /** The name of a cublasStatus_t value, e.g. CUBLAS_STATUS_EXECUTION_FAILED. */
    static String cublasName(int status) {
        switch (status) {
            case cublas.CUBLAS_STATUS_SUCCESS:
                return "CUBLAS_STATUS_SUCCESS";
            case cublas.CUBLAS_STATUS_NOT_INITIALIZED:
                return "CUBLAS_STATUS_NOT_INITIALIZED";
            case cublas.CUBLAS_STATUS_ALLOC_FAILED:
                return "CUBLAS_STATUS_ALLOC_FAILED";
            case cublas.CUBLAS_STATUS_INVALID_VALUE:
                return "CUBLAS_STATUS_INVALID_VALUE";
            case cublas.CUBLAS_STATUS_ARCH_MISMATCH:
                return "CUBLAS_STATUS_ARCH_MISMATCH";
            case cublas.CUBLAS_STATUS_MAPPING_ERROR:
                return "CUBLAS_STATUS_MAPPING_ERROR";
            case cublas.CUBLAS_STATUS_EXECUTION_FAILED:
                return "CUBLAS_STATUS_EXECUTION_FAILED";
            case cublas.CUBLAS_STATUS_INTERNAL_ERROR:
                return "CUBLAS_STATUS_INTERNAL_ERROR";
            case cublas.CUBLAS_STATUS_NOT_SUPPORTED:
                return "CUBLAS_STATUS_NOT_SUPPORTED";
            case cublas.CUBLAS_STATUS_LICENSE_ERROR:
                return "CUBLAS_STATUS_LICENSE_ERROR";
            default:
                return "CUBLAS_STATUS_" + status;
        }
    }

    /** What a cuBLAS status means, in a few words (cuBLAS' own descriptions are not needed for that). */
    static String cublasDescription(int status) {
        switch (status) {
            case cublas.CUBLAS_STATUS_NOT_INITIALIZED:
                return "the cuBLAS library was not initialised (no handle, or no usable device)";
            case cublas.CUBLAS_STATUS_ALLOC_FAILED:
                return "cuBLAS could not allocate resources";
            case cublas.CUBLAS_STATUS_INVALID_VALUE:
                return "an unsupported value or parameter was passed (check shapes and leading dimensions)";
            case cublas.CUBLAS_STATUS_ARCH_MISMATCH:
                return "the device lacks a feature this call needs";
            case cublas.CUBLAS_STATUS_MAPPING_ERROR:
                return "access to GPU memory failed";
            case cublas.CUBLAS_STATUS_EXECUTION_FAILED:
                return "the GPU program failed to execute";
            case cublas.CUBLAS_STATUS_INTERNAL_ERROR:
                return "an internal cuBLAS operation failed";
            case cublas.CUBLAS_STATUS_NOT_SUPPORTED:
                return "the requested functionality is not supported";
            default:
                return "";
        }
    }

    /** Throws unless a cuBLAS call returned CUBLAS_STATUS_SUCCESS. */
    static void checkCublas(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(message(call, status, cublasName(status), cublasDescription(status)));
        }
    }

    /** The name of an nvrtcResult value, e.g. NVRTC_ERROR_COMPILATION. */
    static String nvrtcName(int result) {
        switch (result) {
            case nvrtc.NVRTC_SUCCESS:
                return "NVRTC_SUCCESS";
            case nvrtc.NVRTC_ERROR_OUT_OF_MEMORY:
                return "NVRTC_ERROR_OUT_OF_MEMORY";
            case nvrtc.NVRTC_ERROR_PROGRAM_CREATION_FAILURE:
                return "NVRTC_ERROR_PROGRAM_CREATION_FAILURE";
            case nvrtc.NVRTC_ERROR_INVALID_INPUT:
                return "NVRTC_ERROR_INVALID_INPUT";
            case nvrtc.NVRTC_ERROR_INVALID_PROGRAM:
                return "NVRTC_ERROR_INVALID_PROGRAM";
            case nvrtc.NVRTC_ERROR_INVALID_OPTION:
                return "NVRTC_ERROR_INVALID_OPTION";
            case nvrtc.NVRTC_ERROR_COMPILATION:
                return "NVRTC_ERROR_COMPILATION";
            case nvrtc.NVRTC_ERROR_BUILTIN_OPERATION_FAILURE:
                return "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE";
            case nvrtc.NVRTC_ERROR_INTERNAL_ERROR:
                return "NVRTC_ERROR_INTERNAL_ERROR";
            default:
                return "NVRTC_ERROR_" + result;
        }
    }

    /** The message of a failed NVRTC compilation: the options and the compiler's log. */
    static String compileFailure(int result, String errorString, Iterable<String> options, String log) {
        return message("nvrtcCompileProgram(" + CudaKernels.SOURCE + ")", result, nvrtcName(result), errorString)
                + "\noptions: " + String.join(" ", options) + "\nlog:\n"
                + (log == null || log.isBlank() ? "(empty)" : log.strip());
    }
}
