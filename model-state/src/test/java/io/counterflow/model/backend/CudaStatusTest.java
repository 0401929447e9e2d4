package io.counterflow.model.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Error mapping of the CUDA backend: every failure names the call, the library's error name and its meaning. */
class CudaStatusTest {

    @Test
    void messageNamesTheCallTheErrorAndItsDescription() {
        assertThat(CudaStatus.message("cuMemAlloc(64 bytes for x)", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"))
                .isEqualTo("cuMemAlloc(64 bytes for x) failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory");
        assertThat(CudaStatus.message("cuInit", 100, "CUDA_ERROR_NO_DEVICE", ""))
                .isEqualTo("cuInit failed: CUDA_ERROR_NO_DEVICE (100)");
    }

    @Test
    void cublasStatusesHaveTheirNames() {
        assertThat(CudaStatus.cublasName(0)).isEqualTo("CUBLAS_STATUS_SUCCESS");
        assertThat(CudaStatus.cublasName(7)).isEqualTo("CUBLAS_STATUS_INVALID_VALUE");
        assertThat(CudaStatus.cublasName(13)).isEqualTo("CUBLAS_STATUS_EXECUTION_FAILED");
        assertThat(CudaStatus.cublasName(15)).isEqualTo("CUBLAS_STATUS_NOT_SUPPORTED");
        assertThat(CudaStatus.cublasName(99)).isEqualTo("CUBLAS_STATUS_99");
        CudaStatus.checkCublas(0, "cublasSgemm_v2");
        assertThatThrownBy(() -> CudaStatus.checkCublas(7, "cublasSgemm_v2")).isInstanceOf(CudaException.class)
                .hasMessageStartingWith("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (7): ")
                .hasMessageContaining("leading dimensions");
    }

    @Test
    void nvrtcCompileFailureCarriesTheOptionsAndTheLog() {
        assertThat(CudaStatus.nvrtcName(6)).isEqualTo("NVRTC_ERROR_COMPILATION");
        String m = CudaStatus.compileFailure(6, "NVRTC_ERROR_COMPILATION", List.of("--gpu-architecture=sm_90",
                "--fmad=false"), "kernels.cu(12): error: identifier \"foo\" is undefined\n");
        assertThat(m).startsWith("nvrtcCompileProgram(" + CudaKernels.SOURCE + ") failed: NVRTC_ERROR_COMPILATION (6)")
                .contains("options: --gpu-architecture=sm_90 --fmad=false")
                .contains("kernels.cu(12): error: identifier \"foo\" is undefined");
        assertThat(CudaStatus.compileFailure(6, "", List.of(), "")).endsWith("(empty)");
    }

    @Test
    void loadingFailuresBecomeOneLineReasonsWithTheirCauses() {
        UnsatisfiedLinkError root = new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
        UnsatisfiedLinkError top = new UnsatisfiedLinkError("no jnicudart in java.library.path");
        top.initCause(root);
        assertThat(CudaAvailability.describe(top))
                .isEqualTo("no CUDA driver: libcuda.so.1: cannot open shared object file");
        UnsatisfiedLinkError cublas = new UnsatisfiedLinkError("libcublas.so.13: cannot open shared object file");
        UnsatisfiedLinkError jni = new UnsatisfiedLinkError("no jnicublas in java.library.path:\n/usr/lib");
        jni.initCause(cublas);
        assertThat(CudaAvailability.describe(jni)).contains("no jnicublas")
                .contains("libcublas.so.13: cannot open shared object file").doesNotContain("\n");
        assertThat(CudaAvailability.describe(new NoClassDefFoundError("x".repeat(1000)))).hasSizeLessThan(410);
    }
}
