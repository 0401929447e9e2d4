// A host-memory stand-in for the CUDA driver, cuBLAS and NVRTC, for checking the Java side of the CUDA backend
// on a machine without a GPU (bin/cuda-emulator-test). NOT a GPU: device pointers are host pointers, "kernels"
// are model-state's kernels.cu compiled for the host and run one thread at a time, sgemm is a plain loop, and
// NVRTC passes the source through. What it checks: argument marshalling (kernelParams layout, kinds, order),
// launch geometry, buffer sizes and lifetimes, the host objective path and the batch uploads, by running the
// JUnit parity tests and gpu-check through the real CudaBackend. What it cannot check: real compilation, real
// parallel execution, real cuBLAS, the real driver.
//
// One source, five libraries (see build.sh): -DEMU_CUDA (libcuda.so.1), -DEMU_CUBLAS (libcublas.so.13),
// -DEMU_NVRTC (libnvrtc.so.13), and empty libcublasLt.so.13 and libcudart.so.13 that the JNI wrappers link.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#if defined(EMU_CUDA)

// ---- the kernels, compiled for the host ---------------------------------------------------------------------

struct EmuDim3 {
    unsigned int x, y, z;
};
static EmuDim3 blockIdx, threadIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
static inline void __syncthreads() {}  // see launch(): threads run in an order that honours the one barrier
static inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
static inline unsigned int __float_as_uint(float f) { unsigned int i; std::memcpy(&i, &f, 4); return i; }
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline float __uint_as_float(unsigned int i) { float f; std::memcpy(&f, &i, 4); return f; }
using std::exp;
using std::sqrt;

#include KERNELS_CU

#undef __shared__

// ---- kernel table: name -> host function and a trampoline that unpacks kernelParams ---------------------------

template <typename... A, std::size_t... I>
static void call_unpacked(void (*fn)(A...), void** p, std::index_sequence<I...>) {
    fn(*static_cast<A*>(p[I])...);
}

template <typename... A>
static void call(void* fn, void** p) {
    call_unpacked(reinterpret_cast<void (*)(A...)>(fn), p, std::index_sequence_for<A...>{});
}

template <typename... A>
static void (*trampoline(void (*)(A...)))(void*, void**) {
    return &call<A...>;
}

struct EmuKernel {
    const char* name;
    void* fn;
    void (*invoke)(void*, void**);
};

#define K(f) {#f, reinterpret_cast<void*>(&f), trampoline(&f)}
static EmuKernel kernels[] = {
    K(cf_add_bias), K(cf_relu), K(cf_relu_backward), K(cf_sum_rows_partial), K(cf_sum_rows_finish),
    K(cf_softmax_rows), K(cf_softmax_backward), K(cf_mix_experts), K(cf_mix_experts_backward_de),
    K(cf_mix_experts_backward_dg), K(cf_embed), K(cf_embed_backward), K(cf_adam), K(cf_sparse_adam),
    K(cf_sparse_adagrad),
};
#undef K

// ---- the driver API subset the backend calls ------------------------------------------------------------------

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
static const CUresult OK = 0, INVALID_VALUE = 1, NOT_FOUND = 500, NOT_INITIALIZED = 3;
static bool initialised = false;
static std::string loaded_module;

extern "C" {
CUresult cuInit(unsigned int) { initialised = true; return OK; }
CUresult cuDriverGetVersion(int* v) { *v = 13000; return OK; }
CUresult cuDeviceGetCount(int* n) { *n = 1; return OK; }
CUresult cuDeviceGet(int* d, int ordinal) { if (ordinal != 0) return 101; *d = 0; return OK; }
CUresult cuDeviceGetAttribute(int* v, int attribute, int) {
    switch (attribute) {
        case 75: *v = 9; return OK;    // compute capability major
        case 76: *v = 0; return OK;    // minor
        case 16: *v = 132; return OK;  // multiprocessors
        default: *v = 0; return OK;
    }
}
CUresult cuDeviceGetName(char* name, int len, int) { std::snprintf(name, len, "host emulator (not a GPU)"); return OK; }
CUresult cuGetErrorName(CUresult r, const char** s) {
    *s = r == NOT_FOUND ? "CUDA_ERROR_NOT_FOUND" : r == INVALID_VALUE ? "CUDA_ERROR_INVALID_VALUE" : "CUDA_ERROR_EMULATOR";
    return OK;
}
CUresult cuGetErrorString(CUresult r, const char** s) { *s = "reported by the host emulator"; return OK; }
CUresult cuDevicePrimaryCtxRetain(void** ctx, int) { *ctx = reinterpret_cast<void*>(0x1); return OK; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return OK; }
CUresult cuCtxSetCurrent(void* ctx) { return ctx == nullptr ? INVALID_VALUE : OK; }
CUresult cuStreamCreate(void** s, unsigned int) { *s = reinterpret_cast<void*>(0x2); return OK; }
CUresult cuStreamDestroy_v2(void*) { return OK; }
CUresult cuStreamSynchronize(void*) { return initialised ? OK : NOT_INITIALIZED; }
CUresult cuMemAlloc_v2(CUdeviceptr* p, std::size_t bytes) {
    void* m = std::malloc(bytes == 0 ? 1 : bytes);
    if (m == nullptr) return 2;
    std::memset(m, 0xff, bytes);  // NaN everywhere: a kernel that reads memory nobody wrote shows
    *p = reinterpret_cast<CUdeviceptr>(m);
    return OK;
}
CUresult cuMemFree_v2(CUdeviceptr p) { std::free(reinterpret_cast<void*>(p)); return OK; }
CUresult cuMemsetD32Async(CUdeviceptr p, unsigned int v, std::size_t n, void*) {
    unsigned int* d = reinterpret_cast<unsigned int*>(p);
    for (std::size_t i = 0; i < n; i++) d[i] = v;
    return OK;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, std::size_t bytes, void*) {
    std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
    return OK;
}
CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, std::size_t bytes, void*) {
    std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
    return OK;
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, std::size_t bytes, void*) {
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
    return OK;
}
CUresult cuModuleLoadData(void** module, const void* image) {
    loaded_module = static_cast<const char*>(image);
    *module = reinterpret_cast<void*>(0x3);
    return OK;
}
CUresult cuModuleUnload(void*) { return OK; }
CUresult cuModuleGetFunction(void** f, void*, const char* name) {
    std::string decl = std::string("extern \"C\" __global__ void ") + name + "(";
    if (loaded_module.find(decl) == std::string::npos) return NOT_FOUND;
    for (EmuKernel& k : kernels) {
        if (std::strcmp(k.name, name) == 0) {
            *f = &k;
            return OK;
        }
    }
    return NOT_FOUND;
}
// Runs every block, and in each block every thread, one at a time; threads go in decreasing threadIdx.y so that
// the only barrier in the source (cf_sum_rows_partial: lanes written, then read by the y = 0 threads) holds.
CUresult cuLaunchKernel(void* f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
        unsigned int bz, unsigned int, void*, void** params, void** extra) {
    if (f == nullptr || params == nullptr || extra != nullptr || gx == 0 || gy == 0 || gz != 1 || bx == 0 || by == 0
            || bz != 1 || bx * by > 1024 || gy > 65535) {
        return INVALID_VALUE;
    }
    EmuKernel* k = static_cast<EmuKernel*>(f);
    if (std::getenv("EMU_TRACE") != nullptr) {
        std::fprintf(stderr, "emulator: %s grid %ux%u block %ux%u params %p [%p %p %p]\n", k->name, gx, gy, bx, by,
                static_cast<void*>(params), params[0], params[1], params[2]);
    }
    gridDim = {gx, gy, gz};
    blockDim = {bx, by, bz};
    for (unsigned int y = 0; y < gy; y++) {
        for (unsigned int x = 0; x < gx; x++) {
            blockIdx = {x, y, 0};
            for (int ty = static_cast<int>(by) - 1; ty >= 0; ty--) {
                for (unsigned int tx = 0; tx < bx; tx++) {
                    threadIdx = {tx, static_cast<unsigned int>(ty), 0};
                    k->invoke(k->fn, params);
                }
            }
        }
    }
    return OK;
}
}

#elif defined(EMU_CUBLAS)

// ---- cuBLAS: column-major sgemm, C = alpha op(A) op(B) + beta C (beta = 0 ignores C) ---------------------------

extern "C" {
int cublasCreate_v2(void** h) { *h = reinterpret_cast<void*>(0x4); return 0; }
int cublasDestroy_v2(void*) { return 0; }
int cublasSetStream_v2(void*, void*) { return 0; }
int cublasSetMathMode(void*, int) { return 0; }
int cublasSgemm_v2(void*, int ta, int tb, int m, int n, int k, const float* alpha, const float* a, int lda,
        const float* b, int ldb, const float* beta, float* c, int ldc) {
    if (m < 0 || n < 0 || k < 0 || lda < (ta ? (k > 1 ? k : 1) : (m > 1 ? m : 1))
            || ldb < (tb ? (n > 1 ? n : 1) : (k > 1 ? k : 1)) || ldc < (m > 1 ? m : 1)) {
        return 7;  // CUBLAS_STATUS_INVALID_VALUE
    }
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                float av = ta ? a[p + static_cast<long>(i) * lda] : a[i + static_cast<long>(p) * lda];
                float bv = tb ? b[j + static_cast<long>(p) * ldb] : b[p + static_cast<long>(j) * ldb];
                s += static_cast<double>(av) * bv;
            }
            float* cij = &c[i + static_cast<long>(j) * ldc];
            *cij = static_cast<float>(*alpha * s + (*beta == 0.0f ? 0.0 : static_cast<double>(*beta) * *cij));
        }
    }
    return 0;
}
}

#elif defined(EMU_CUBLASLT)

extern "C" int cublasLtEmulatorMarker() { return 0; }

#elif defined(EMU_CUDART)

// The runtime API is linked by the JNI wrapper but never called by the backend (it uses the driver API).
extern "C" int cudartEmulatorMarker() { return 0; }

#elif defined(EMU_NVRTC)

// ---- NVRTC: the "binary" is the source itself (libcuda's cuModuleGetFunction looks kernels up in it) ----------

struct Program {
    std::string source;
    std::string options;
};

extern "C" {
int nvrtcVersion(int* major, int* minor) { *major = 13; *minor = 0; return 0; }
int nvrtcGetNumSupportedArchs(int* n) { *n = 3; return 0; }
int nvrtcGetSupportedArchs(int* a) { a[0] = 80; a[1] = 90; a[2] = 100; return 0; }
const char* nvrtcGetErrorString(int r) { return r == 0 ? "NVRTC_SUCCESS" : "NVRTC_ERROR (emulator)"; }
int nvrtcCreateProgram(Program** p, const char* src, const char*, int headers, const char* const*, const char* const*) {
    if (src == nullptr || headers != 0) return 3;
    *p = new Program{src, ""};
    return 0;
}
int nvrtcDestroyProgram(Program** p) { delete *p; *p = nullptr; return 0; }
int nvrtcCompileProgram(Program* p, int n, const char* const* options) {
    for (int i = 0; i < n; i++) {
        std::string o = options[i];
        if (o.find("fast_math") != std::string::npos || o.find("fast-math") != std::string::npos) return 5;
        p->options += o + " ";
    }
    return p->options.find("--fmad=false") == std::string::npos ? 5 : 0;
}
int nvrtcGetProgramLogSize(Program*, std::size_t* n) { *n = 1; return 0; }
int nvrtcGetProgramLog(Program*, char* log) { log[0] = 0; return 0; }
int nvrtcGetCUBINSize(Program* p, std::size_t* n) { *n = p->source.size() + 1; return 0; }
int nvrtcGetCUBIN(Program* p, char* out) { std::memcpy(out, p->source.c_str(), p->source.size() + 1); return 0; }
int nvrtcGetPTXSize(Program* p, std::size_t* n) { *n = p->source.size() + 1; return 0; }
int nvrtcGetPTX(Program* p, char* out) { std::memcpy(out, p->source.c_str(), p->source.size() + 1); return 0; }
}

#endif
