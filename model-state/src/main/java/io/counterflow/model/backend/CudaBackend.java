package io.counterflow.model.backend;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static org.bytedeco.cuda.global.cudart.CU_STREAM_NON_BLOCKING;
import static org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS;

import io.counterflow.model.backend.CudaKernels.Kernel;
import io.counterflow.model.backend.CudaKernels.Target;
import io.counterflow.model.feature.EncodedBatch;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CUDA backend: tensors are device memory (a {@code CUdeviceptr} with capacity rows × cols), GEMM is cuBLAS
 * (row-major on column-major cuBLAS through Cᵀ = op(B)ᵀ·op(A)ᵀ), and every other kernel is CUDA C from {@code
 * kernels.cu}, compiled once per JVM by NVRTC for the device's compute capability and loaded with the driver API
 * (no nvcc needed to build or run). Everything runs in order on one non-blocking stream that cuBLAS is bound to;
 * {@link #download} synchronises with it.
 *
 * <p>Parameters, optimiser state and activations stay on the device. Per batch, {@link #uploadBatch} sends the
 * indices (slots, pools, unique rows, and the occurrence lists of the embedding backward built on the host) and
 * the numeric values; labels stay on the host, where the objective is evaluated: the model downloads the n × 1 logits,
 * evaluates its objective on the host exactly as on the CPU backends, and uploads ∂L/∂logit. Batch buffers on the device and host staging buffers grow when needed and are reused,
 * so a steady-state step allocates nothing.
 *
 * <p>Every driver, cuBLAS and NVRTC status is checked and a failure throws a {@link CudaException} naming the
 * call and the error. Kernel failures are asynchronous and surface at the next synchronising call; the system
 * property {@code counterflow.cuda.sync=true} synchronises after every launch so the failing kernel is named.
 * The device is chosen by {@code counterflow.cuda.device} (default 0). The backend holds the device's primary
 * context and makes it current on whichever thread calls it (one thread at a time, as for every backend).
 */
final class CudaBackend extends AbstractBackend {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

    /** Synchronise after every kernel launch, so that an asynchronous failure names its kernel (slow). */
    static final boolean DEBUG_SYNC = Boolean.getBoolean("counterflow.cuda.sync");

    /** Compiled kernel images by target architecture: NVRTC runs once per JVM and target. */
    private static final Map<String, byte[]> IMAGES = new HashMap<>();

    /** A device tensor; its memory is freed by {@link #close()} (or with the backend's context). */
    static final class CudaTensor extends Tensor {
        private final CudaBackend owner;
        private long ptr;
        /** The same device address as a FloatPointer, for cuBLAS (never dereferenced on the host). */
        final FloatPointer view;

        CudaTensor(CudaBackend owner, int rows, int cols, long ptr) {
            super(rows, cols);
            this.owner = owner;
            this.ptr = ptr;
            this.view = new DevicePointer(ptr);
        }

        long ptr() {
            if (ptr == 0) {
                throw new IllegalStateException("CUDA tensor " + this + " is closed");
            }
            return ptr;
        }

        @Override
        public Backend backend() {
            return owner;
        }

        @Override
        public void close() {
            if (ptr != 0) {
                owner.free(ptr);
                ptr = 0;
            }
        }
    }

    /** A FloatPointer at a device address: JavaCPP passes its address to cuBLAS; it owns nothing. */
    private static final class DevicePointer extends FloatPointer {
        DevicePointer(long deviceAddress) {
            super();
            this.address = deviceAddress;
        }
    }

    /** A growable device buffer for per-batch data (bytes, reused across batches). */
    private final class DeviceBuffer {
        final String name;
        long ptr;
        long bytes;

        DeviceBuffer(String name) {
            this.name = name;
        }

        long ensure(long need) {
            if (need > bytes) {
                long cap = Math.max(need, 2 * bytes);
                release();
                ptr = malloc(cap, name);
                bytes = cap;
            }
            return ptr;
        }

        void release() {
            if (ptr != 0) {
                free(ptr);
                ptr = 0;
                bytes = 0;
            }
        }
    }

    private final int device;
    private final String description;
    private final CUctx_st context = new CUctx_st();
    private final CUstream_st stream = new CUstream_st();
    private final cublasContext blas = new cublasContext();
    private final CUmod_st module = new CUmod_st();
    private final CUfunc_st[] functions = new CUfunc_st[Kernel.values().length];
    private final KernelArgs args = new KernelArgs(CudaKernels.maxArgs());
    private final FloatPointer alpha = new FloatPointer(1);
    private final FloatPointer beta = new FloatPointer(1);
    private boolean contextRetained;
    private boolean streamCreated;
    private boolean blasCreated;
    private boolean moduleLoaded;
    private boolean closed;
    /** The thread on which the context was last made current. */
    private Thread currentThread;

    /** Host staging for uploads and downloads (pageable: a copy from it returns once the data is staged). */
    private FloatPointer stageF = new FloatPointer(1024L);
    private IntPointer stageI = new IntPointer(1024L);

    private final DeviceBuffer catSlots = new DeviceBuffer("catSlots");
    private final DeviceBuffer mvStart = new DeviceBuffer("mvStart");
    private final DeviceBuffer mvSlots = new DeviceBuffer("mvSlots");
    private final DeviceBuffer numeric = new DeviceBuffer("numeric");
    private final DeviceBuffer uniqueRows = new DeviceBuffer("uniqueRows");
    private final DeviceBuffer occStart = new DeviceBuffer("occStart");
    private final DeviceBuffer occKey = new DeviceBuffer("occKey");
    private final DeviceBuffer occScale = new DeviceBuffer("occScale");
    private final DeviceBuffer sumPartial = new DeviceBuffer("sumRows partials");
    private final OccurrenceIndex occurrences = new OccurrenceIndex();
    /** The batch last given to uploadBatch and its size then (the batch kernels read its device copy). */
    private EncodedBatch uploaded;
    private int uploadedN;

    /** Host logits and their gradients per head, for the objective (direct buffers over FloatPointers). */

    /** Opens the device named by {@code counterflow.cuda.device} (default 0); throws if CUDA is unavailable. */
    static CudaBackend open() {
        CudaAvailability.require();
        return new CudaBackend();
    }

    private CudaBackend() {
        int ordinal = Integer.getInteger("counterflow.cuda.device", 0);
        try {
            int[] v = {0};
            check(cudart.cuDeviceGet(v, ordinal), "cuDeviceGet(" + ordinal + ")");
            device = v[0];
            int major = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability major");
            int minor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability minor");
            int sms = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "multiprocessor count");
            byte[] nameBytes = new byte[256];
            check(cudart.cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
            check(cudart.cuDriverGetVersion(v), "cuDriverGetVersion");
            int driver = v[0];

            check(cudart.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
            contextRetained = true;
            makeCurrent();
            check(cudart.cuStreamCreate(stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            streamCreated = true;
            CudaStatus.checkCublas(cublas.cublasCreate_v2(blas), "cublasCreate_v2");
            blasCreated = true;
            CudaStatus.checkCublas(cublas.cublasSetStream_v2(blas, stream), "cublasSetStream_v2");
            // Full FP32 GEMMs (no TF32): the parity bounds assume float rounding.
            CudaStatus.checkCublas(cublas.cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");

            Target target = CudaKernels.chooseTarget(major, minor, supportedArchs());
            byte[] image = image(target);
            try (BytePointer img = new BytePointer(image)) {
                check(cudart.cuModuleLoadData(module, img), "cuModuleLoadData(" + target + ")");
            }
            moduleLoaded = true;
            for (Kernel k : Kernel.values()) {
                CUfunc_st f = new CUfunc_st();
                check(cudart.cuModuleGetFunction(f, module, k.symbol), "cuModuleGetFunction(" + k.symbol + ")");
                functions[k.ordinal()] = f;
            }
            description = String.format(java.util.Locale.ROOT,
                    "cuda[device %d: %s, compute capability %d.%d, %d SMs, driver API %d.%d, kernels %s]", ordinal,
                    cString(nameBytes), major, minor, sms, driver / 1000, (driver % 1000) / 10, target);
            LOG.info("backend cuda: {}", description);
        } catch (RuntimeException | Error e) {
            releaseAll();
            throw e;
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String toString() {
        return description;
    }

    // ---- status checks ------------------------------------------------------------------------------------------

    /** Throws unless a driver call returned CUDA_SUCCESS; the message names the call and the driver's error. */
    static void check(int result, String call) {
        if (result != CUDA_SUCCESS) {
            throw new CudaException(CudaStatus.message(call, result, errorName(result), errorString(result)));
        }
    }

    /** The driver's name of a CUresult (e.g. CUDA_ERROR_OUT_OF_MEMORY), or CUDA_ERROR_code when it has none. */
    static String errorName(int result) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1L)) {
            return cudart.cuGetErrorName(result, p) == CUDA_SUCCESS ? p.getString(0) : "CUDA_ERROR_" + result;
        }
    }

    /** The driver's description of a CUresult, or "" when it has none. */
    static String errorString(int result) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1L)) {
            return cudart.cuGetErrorString(result, p) == CUDA_SUCCESS ? p.getString(0) : "";
        }
    }

    private static void checkNvrtc(int result, String call) {
        if (result != NVRTC_SUCCESS) {
            throw new CudaException(CudaStatus.message(call, result, CudaStatus.nvrtcName(result),
                    nvrtc.nvrtcGetErrorString(result).getString()));
        }
    }

    private int attribute(int attribute, String what) {
        int[] v = {0};
        check(cudart.cuDeviceGetAttribute(v, attribute, device), "cuDeviceGetAttribute(" + what + ")");
        return v[0];
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    // ---- compilation --------------------------------------------------------------------------------------------

    private static int[] supportedArchs() {
        int[] n = {0};
        checkNvrtc(nvrtc.nvrtcGetNumSupportedArchs(n), "nvrtcGetNumSupportedArchs");
        int[] archs = new int[n[0]];
        if (n[0] > 0) {
            checkNvrtc(nvrtc.nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs");
        }
        return archs;
    }

    /** The kernels compiled for this target (cached per JVM). */
    private static synchronized byte[] image(Target target) {
        byte[] img = IMAGES.get(target.arch);
        if (img == null) {
            long t0 = System.nanoTime();
            img = compile(target);
            IMAGES.put(target.arch, img);
            int[] major = {0};
            int[] minor = {0};
            nvrtc.nvrtcVersion(major, minor);
            LOG.info("backend cuda: NVRTC {}.{} compiled {} for {} in {} ms ({} bytes)", major[0], minor[0],
                    CudaKernels.SOURCE, target, (System.nanoTime() - t0) / 1_000_000, img.length);
        }
        return img;
    }

    private static byte[] compile(Target target) {
        List<String> options = CudaKernels.compileOptions(target);
        _nvrtcProgram program = new _nvrtcProgram();
        try (BytePointer src = new BytePointer(CudaKernels.source());
                BytePointer name = new BytePointer("kernels.cu")) {
            checkNvrtc(nvrtc.nvrtcCreateProgram(program, src, name, 0, (PointerPointer<?>) null,
                    (PointerPointer<?>) null), "nvrtcCreateProgram");
        }
        try (PointerPointer<BytePointer> opts = new PointerPointer<>(options.toArray(new String[0]))) {
            int r = nvrtc.nvrtcCompileProgram(program, options.size(), opts);
            String log = programLog(program);
            if (r != NVRTC_SUCCESS) {
                throw new CudaException(CudaStatus.compileFailure(r, nvrtc.nvrtcGetErrorString(r).getString(),
                        options, log));
            }
            if (!log.isBlank()) {
                LOG.warn("backend cuda: NVRTC log for {}:\n{}", CudaKernels.SOURCE, log.strip());
            }
            try (SizeTPointer size = new SizeTPointer(1L)) {
                byte[] image;
                if (target.cubin) {
                    checkNvrtc(nvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
                    image = new byte[Math.toIntExact(size.get())];
                    checkNvrtc(nvrtc.nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN");
                } else {
                    checkNvrtc(nvrtc.nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize");
                    image = new byte[Math.toIntExact(size.get())];
                    checkNvrtc(nvrtc.nvrtcGetPTX(program, image), "nvrtcGetPTX");
                }
                return image;
            }
        } finally {
            nvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static String programLog(_nvrtcProgram program) {
        try (SizeTPointer size = new SizeTPointer(1L)) {
            if (nvrtc.nvrtcGetProgramLogSize(program, size) != NVRTC_SUCCESS || size.get() <= 1) {
                return "";
            }
            byte[] log = new byte[Math.toIntExact(size.get())];
            if (nvrtc.nvrtcGetProgramLog(program, log) != NVRTC_SUCCESS) {
                return "";
            }
            return cString(log);
        }
    }

    // ---- context, memory, launches ------------------------------------------------------------------------------

    /** Makes the primary context current on the calling thread (a no-op when it already is, from this backend). */
    private void makeCurrent() {
        Thread t = Thread.currentThread();
        if (t != currentThread) {
            check(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            currentThread = t;
        }
    }

    private void sync(String why) {
        check(cudart.cuStreamSynchronize(stream), "cuStreamSynchronize (" + why + ")");
    }

    private long malloc(long bytes, String what) {
        makeCurrent();
        long[] p = {0};
        check(cudart.cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes for " + what + ")");
        return p[0];
    }

    /** Frees device memory once the stream no longer uses it (a no-op after close: the context freed it). */
    private void free(long ptr) {
        if (closed) {
            return;
        }
        makeCurrent();
        sync("before cuMemFree");
        check(cudart.cuMemFree(ptr), "cuMemFree");
    }

    private static long ptr(Tensor t) {
        return ((CudaTensor) t).ptr();
    }

    private static FloatPointer view(Tensor t) {
        ((CudaTensor) t).ptr();
        return ((CudaTensor) t).view;
    }

    private FloatPointer stageFloats(long n) {
        if (stageF.capacity() < n) {
            long cap = Math.max(n, 2 * stageF.capacity());
            stageF.close();
            stageF = new FloatPointer(cap);
        }
        return stageF;
    }

    private IntPointer stageInts(long n) {
        if (stageI.capacity() < n) {
            long cap = Math.max(n, 2 * stageI.capacity());
            stageI.close();
            stageI = new IntPointer(cap);
        }
        return stageI;
    }

    private void uploadInts(DeviceBuffer dst, int[] src, int n) {
        if (n <= 0) {
            return;
        }
        long d = dst.ensure(4L * n);
        IntPointer s = stageInts(n);
        s.put(src, 0, n);
        check(cudart.cuMemcpyHtoDAsync(d, s, 4L * n, stream), "cuMemcpyHtoDAsync(" + dst.name + ")");
    }

    private void uploadFloats(DeviceBuffer dst, float[] src, int n) {
        if (n <= 0) {
            return;
        }
        long d = dst.ensure(4L * n);
        FloatPointer s = stageFloats(n);
        s.put(src, 0, n);
        check(cudart.cuMemcpyHtoDAsync(d, s, 4L * n, stream), "cuMemcpyHtoDAsync(" + dst.name + ")");
    }

    /** Launches a one-dimensional grid over n elements with the arguments put since {@code args.reset()}. */
    private void launch(Kernel k, long n) {
        int grid = CudaKernels.grid1d(n, CudaKernels.BLOCK);
        if (grid > 0) {
            launch(k, grid, 1, CudaKernels.BLOCK, 1);
        }
    }

    private void launch(Kernel k, int gridX, int gridY, int blockX, int blockY) {
        args.checkFor(k);
        check(cudart.cuLaunchKernel(functions[k.ordinal()], gridX, gridY, 1, blockX, blockY, 1, 0, stream,
                args.params(), (PointerPointer<?>) null), "cuLaunchKernel(" + k.symbol + ")");
        if (DEBUG_SYNC) {
            sync("after " + k.symbol);
        }
    }

    private KernelArgs args() {
        makeCurrent();
        return args.reset();
    }

    // ---- kernels ------------------------------------------------------------------------------------------------

    @Override
    protected Tensor allocateK(int rows, int cols) {
        long n = (long) rows * cols;
        long p = malloc(4L * n, "a " + rows + "x" + cols + " tensor");
        try {
            check(cudart.cuMemsetD32Async(p, 0, n, stream), "cuMemsetD32Async(zero)");
        } catch (RuntimeException e) {
            cudart.cuMemFree(p);
            throw e;
        }
        return new CudaTensor(this, rows, cols, p);
    }

    @Override
    protected void uploadK(float[] src, int off, Tensor dst) {
        int n = dst.size();
        if (n == 0) {
            return;
        }
        makeCurrent();
        FloatPointer s = stageFloats(n);
        s.put(src, off, n);
        check(cudart.cuMemcpyHtoDAsync(ptr(dst), s, 4L * n, stream), "cuMemcpyHtoDAsync(upload)");
    }

    @Override
    protected void downloadK(Tensor src, float[] dst, int off) {
        int n = src.size();
        if (n == 0) {
            return;
        }
        makeCurrent();
        FloatPointer s = stageFloats(n);
        check(cudart.cuMemcpyDtoHAsync(s, ptr(src), 4L * n, stream), "cuMemcpyDtoHAsync(download)");
        sync("download");
        s.get(dst, off, n);
    }

    @Override
    protected void fillK(Tensor t, float value) {
        makeCurrent();
        check(cudart.cuMemsetD32Async(ptr(t), Float.floatToRawIntBits(value), (long) t.capacityRows() * t.cols(),
                stream), "cuMemsetD32Async(fill)");
    }

    @Override
    protected void copyK(Tensor src, Tensor dst) {
        int n = src.size();
        if (n == 0) {
            return;
        }
        makeCurrent();
        check(cudart.cuMemcpyDtoDAsync(ptr(dst), ptr(src), 4L * n, stream), "cuMemcpyDtoDAsync(copy)");
    }

    /**
     * Row-major C = alpha·op(A)·op(B) + beta·C on column-major cuBLAS: a row-major matrix read column-major is its
     * transpose, so computing Cᵀ = alpha·op(B)ᵀ·op(A)ᵀ + beta·Cᵀ (n × m, column-major) writes C row-major.
     * cuBLAS ignores C when beta = 0 (NaN included), as the interface requires.
     */
    @Override
    protected void gemmK(boolean ta, boolean tb, int m, int n, int k, float alphaValue, Tensor a, Tensor b,
            float betaValue, Tensor c) {
        makeCurrent();
        alpha.put(0, alphaValue);
        beta.put(0, betaValue);
        CudaStatus.checkCublas(cublas.cublasSgemm_v2(blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, alpha, view(b), b.cols(), view(a), a.cols(), beta, view(c),
                c.cols()), "cublasSgemm_v2");
        if (DEBUG_SYNC) {
            sync("after cublasSgemm_v2");
        }
    }

    @Override
    protected void addBiasK(Tensor y, Tensor bias) {
        long n = (long) y.rows() * y.cols();
        args().ptr(ptr(y)).ptr(ptr(bias)).i32(y.rows()).i32(y.cols());
        launch(Kernel.ADD_BIAS, n);
    }

    @Override
    protected void reluK(Tensor y) {
        args().ptr(ptr(y)).i32(y.size());
        launch(Kernel.RELU, y.size());
    }

    @Override
    protected void reluBackwardK(Tensor y, Tensor dy) {
        args().ptr(ptr(y)).ptr(ptr(dy)).i32(y.size());
        launch(Kernel.RELU_BACKWARD, y.size());
    }

    /** Two passes: per-chunk column sums (a fixed-order tree: deterministic), then beta·out + Σ chunks. */
    @Override
    protected void sumRowsK(Tensor dy, float betaValue, Tensor out) {
        int rows = dy.rows();
        int cols = dy.cols();
        int chunks = CudaKernels.sumRowsChunks(rows);
        long partial = 0;
        if (chunks > 0) {
            partial = sumPartial.ensure(4L * chunks * cols);
            args().ptr(ptr(dy)).ptr(partial).i32(rows).i32(cols).i32(CudaKernels.sumRowsPerChunk(rows));
            launch(Kernel.SUM_ROWS_PARTIAL, (cols + CudaKernels.SUM_COLS - 1) / CudaKernels.SUM_COLS, chunks,
                    CudaKernels.SUM_COLS, CudaKernels.SUM_LANES);
        }
        args().ptr(partial).ptr(ptr(out)).i32(chunks).i32(cols).f32(betaValue);
        launch(Kernel.SUM_ROWS_FINISH, cols);
    }

    @Override
    protected void softmaxRowsK(Tensor z) {
        args().ptr(ptr(z)).i32(z.rows()).i32(z.cols());
        launch(Kernel.SOFTMAX_ROWS, z.rows());
    }

    @Override
    protected void softmaxBackwardK(Tensor g, Tensor d) {
        args().ptr(ptr(g)).ptr(ptr(d)).i32(g.rows()).i32(g.cols());
        launch(Kernel.SOFTMAX_BACKWARD, g.rows());
    }

    @Override
    protected void mixExpertsK(Tensor e, Tensor g, Tensor out) {
        int rows = e.rows();
        int k = g.cols();
        int h = out.cols();
        args().ptr(ptr(e)).ptr(ptr(g)).ptr(ptr(out)).i32(rows).i32(k).i32(h);
        launch(Kernel.MIX_EXPERTS, (long) rows * h);
    }

    @Override
    protected void mixExpertsBackwardK(Tensor e, Tensor g, Tensor dOut, float betaValue, Tensor dE, Tensor dG) {
        int rows = e.rows();
        int k = g.cols();
        int h = dOut.cols();
        args().ptr(ptr(g)).ptr(ptr(dOut)).f32(betaValue).ptr(ptr(dE)).i32(rows).i32(k).i32(h);
        launch(Kernel.MIX_EXPERTS_BACKWARD_DE, (long) rows * k * h);
        args().ptr(ptr(e)).ptr(ptr(dOut)).ptr(ptr(dG)).i32(rows).i32(k).i32(h);
        launch(Kernel.MIX_EXPERTS_BACKWARD_DG, (long) rows * k);
    }

    private void requireUploaded(String op, EncodedBatch b) {
        if (b != uploaded || b.n != uploadedN) {
            throw new IllegalStateException(op + ": the batch is not the one last given to uploadBatch (the device "
                    + "holds another copy); call uploadBatch(batch) first");
        }
    }

    @Override
    protected void embedK(Tensor table, EncodedBatch b, Tensor x) {
        requireUploaded("embed", b);
        int width = x.cols();
        args().ptr(ptr(table)).ptr(uniqueRows.ptr).ptr(catSlots.ptr).ptr(mvStart.ptr).ptr(mvSlots.ptr)
                .ptr(numeric.ptr).ptr(ptr(x)).i32(b.n).i32(b.catFields).i32(b.multiFields).i32(b.numFields)
                .i32(table.cols()).i32(width);
        launch(Kernel.EMBED, (long) b.n * width);
    }

    @Override
    protected void embedBackwardK(Tensor dx, EncodedBatch b, Tensor gradRows) {
        requireUploaded("embedBackward", b);
        int dim = gradRows.cols();
        args().ptr(ptr(dx)).ptr(occStart.ptr).ptr(occKey.ptr).ptr(occScale.ptr).ptr(ptr(gradRows))
                .i32(b.uniqueCount).i32(occurrences.fields).i32(dim).i32(dx.cols());
        launch(Kernel.EMBED_BACKWARD, (long) b.uniqueCount * dim);
    }

    @Override
    protected void uploadBatchK(EncodedBatch b) {
        makeCurrent();
        int n = b.n;
        uploadInts(catSlots, b.catSlots, n * b.catFields);
        if (b.multiFields > 0) {
            uploadInts(mvStart, b.mvStart, n * b.multiFields + 1);
            uploadInts(mvSlots, b.mvSlots, b.mvStart[n * b.multiFields]);
        }
        uploadFloats(numeric, b.numeric, n * b.numFields);
        uploadInts(uniqueRows, b.uniqueRows, b.uniqueCount);
        occurrences.build(b);
        uploadInts(occStart, occurrences.start, b.uniqueCount + 1);
        uploadInts(occKey, occurrences.key, occurrences.occurrences);
        uploadFloats(occScale, occurrences.scale, occurrences.occurrences);
        uploaded = b;
        uploadedN = n;
    }

    private KernelArgs adamScalars(KernelArgs a, AdamStep s) {
        return a.f32(s.lr).f32(s.beta1).f32(s.beta2).f32(s.eps).f32(s.l2).f32(1f / s.bias1).f32(1f / s.bias2);
    }

    @Override
    protected void adamK(Tensor w, Tensor g, Tensor m, Tensor v, AdamStep s) {
        int n = w.size();
        adamScalars(args().ptr(ptr(w)).ptr(ptr(g)).ptr(ptr(m)).ptr(ptr(v)).i32(n), s);
        launch(Kernel.ADAM, n);
    }

    @Override
    protected void sparseAdamK(Tensor table, Tensor m, Tensor v, Tensor gradRows, EncodedBatch b, AdamStep s) {
        requireUploaded("sparseAdam", b);
        int dim = table.cols();
        adamScalars(args().ptr(ptr(table)).ptr(ptr(m)).ptr(ptr(v)).ptr(ptr(gradRows)).ptr(uniqueRows.ptr)
                .i32(b.uniqueCount).i32(dim), s);
        launch(Kernel.SPARSE_ADAM, (long) b.uniqueCount * dim);
    }

    @Override
    protected void sparseAdagradK(Tensor table, Tensor acc, Tensor gradRows, EncodedBatch b, AdamStep s) {
        requireUploaded("sparseAdagrad", b);
        int dim = table.cols();
        args().ptr(ptr(table)).ptr(ptr(acc)).ptr(ptr(gradRows)).ptr(uniqueRows.ptr).i32(b.uniqueCount).i32(dim)
                .f32(s.lr).f32(s.eps).f32(s.l2);
        launch(Kernel.SPARSE_ADAGRAD, (long) b.uniqueCount * dim);
    }

    // ---- lifecycle ----------------------------------------------------------------------------------------------

    /** Waits for the stream, then releases buffers, cuBLAS, the module, the stream and the context. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        CudaException first = null;
        try {
            makeCurrent();
            sync("close");
            for (DeviceBuffer d : new DeviceBuffer[] {catSlots, mvStart, mvSlots, numeric, uniqueRows, occStart,
                occKey, occScale, sumPartial}) {
                d.release();
            }
        } catch (CudaException e) {
            first = e;
        }
        releaseAll();
        if (first != null) {
            throw first;
        }
    }

    /** Releases whatever was acquired, ignoring failures after the first report (also used by a failed open). */
    private void releaseAll() {
        closed = true;
        try {
            if (contextRetained) {
                cudart.cuCtxSetCurrent(context);
            }
            if (blasCreated) {
                cublas.cublasDestroy_v2(blas);
            }
            if (moduleLoaded) {
                cudart.cuModuleUnload(module);
            }
            if (streamCreated) {
                cudart.cuStreamDestroy(stream);
            }
            if (contextRetained) {
                cudart.cuDevicePrimaryCtxRelease(device);
            }
        } finally {
            blasCreated = false;
            moduleLoaded = false;
            streamCreated = false;
            contextRetained = false;
            args.close();
            alpha.close();
            beta.close();
            stageF.close();
            stageI.close();
        }
    }
}
