package io.counterflow.model.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the CUDA backend needs to know about its kernels, kept free of native calls so that it is tested on any
 * machine: the CUDA C source (a resource compiled at start-up by NVRTC), the kernels the Java side launches with
 * their declared parameter lists, the launch geometry, the choice of target architecture and the NVRTC options.
 */
final class CudaKernels {

    /** Classpath resource of the kernel source. */
    static final String SOURCE = "/io/counterflow/model/backend/cuda/kernels.cu";

    /** Threads per block of one-dimensional launches. */
    static final int BLOCK = 256;

    /** Largest grid of a one-dimensional launch: every kernel loops grid-stride, so more blocks add nothing. */
    static final int MAX_GRID = 65_535;

    /** sumRows: columns per block (block.x) and row lanes per block (block.y), as cf_sum_rows_partial assumes. */
    static final int SUM_COLS = 32;

    static final int SUM_LANES = 8;

    /** sumRows: rows summed by one block of the first pass, unless the grid's y limit needs more. */
    static final int SUM_ROWS_PER_CHUNK = 256;

    private CudaKernels() {}

    /** Kind of one kernel parameter: a device pointer, a 32-bit int or a float. */
    enum Arg {
        PTR,
        INT,
        FLOAT
    }

    private static final Arg P = Arg.PTR;
    private static final Arg I = Arg.INT;
    private static final Arg F = Arg.FLOAT;

    /** Every kernel the backend launches, with its symbol in the source and its parameter kinds in order. */
    enum Kernel {
        ADD_BIAS("cf_add_bias", P, P, I, I),
        RELU("cf_relu", P, I),
        RELU_BACKWARD("cf_relu_backward", P, P, I),
        SUM_ROWS_PARTIAL("cf_sum_rows_partial", P, P, I, I, I),
        SUM_ROWS_FINISH("cf_sum_rows_finish", P, P, I, I, F),
        SOFTMAX_ROWS("cf_softmax_rows", P, I, I),
        SOFTMAX_BACKWARD("cf_softmax_backward", P, P, I, I),
        MIX_EXPERTS("cf_mix_experts", P, P, P, I, I, I),
        MIX_EXPERTS_BACKWARD_DE("cf_mix_experts_backward_de", P, P, F, P, I, I, I),
        MIX_EXPERTS_BACKWARD_DG("cf_mix_experts_backward_dg", P, P, P, I, I, I),
        EMBED("cf_embed", P, P, P, P, P, P, P, I, I, I, I, I, I),
        EMBED_BACKWARD("cf_embed_backward", P, P, P, P, P, I, I, I, I),
        ADAM("cf_adam", P, P, P, P, I, F, F, F, F, F, F, F),
        SPARSE_ADAM("cf_sparse_adam", P, P, P, P, P, I, I, F, F, F, F, F, F, F),
        SPARSE_ADAGRAD("cf_sparse_adagrad", P, P, P, P, I, I, F, F, F);

        final String symbol;
        final Arg[] args;

        Kernel(String symbol, Arg... args) {
            this.symbol = symbol;
            this.args = args;
        }
    }

    /** The most parameters any kernel takes (the size of the launch argument buffer). */
    static int maxArgs() {
        int max = 0;
        for (Kernel k : Kernel.values()) {
            max = Math.max(max, k.args.length);
        }
        return max;
    }

    /** The kernel source, UTF-8, from the classpath. */
    static String source() {
        try (InputStream in = CudaKernels.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("CUDA kernel source " + SOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CUDA kernel source " + SOURCE, e);
        }
    }

    /** Blocks of {@link #BLOCK} threads for n elements: ceil(n / block), at most {@link #MAX_GRID}; 0 for n ≤ 0. */
    static int grid1d(long n, int block) {
        if (block <= 0) {
            throw new IllegalArgumentException("block size must be positive, got " + block);
        }
        if (n <= 0) {
            return 0;
        }
        return (int) Math.min((n + block - 1) / block, MAX_GRID);
    }

    /**
     * Rows per block of sumRows' first pass: {@link #SUM_ROWS_PER_CHUNK}, or more when the chunks would exceed the
     * grid's y limit ({@link #MAX_GRID}).
     */
    static int sumRowsPerChunk(int rows) {
        long needed = ((long) rows + MAX_GRID - 1) / MAX_GRID;
        return (int) Math.max(SUM_ROWS_PER_CHUNK, needed);
    }

    /** Chunks (blocks along y) of sumRows' first pass: ceil(rows / rowsPerChunk); 0 for no rows. */
    static int sumRowsChunks(int rows) {
        if (rows <= 0) {
            return 0;
        }
        int per = sumRowsPerChunk(rows);
        return (int) (((long) rows + per - 1) / per);
    }

    /** The compilation target: an NVRTC architecture option value and whether it yields a CUBIN (else PTX). */
    static final class Target {
        final String arch;
        final boolean cubin;

        Target(String arch, boolean cubin) {
            this.arch = arch;
            this.cubin = cubin;
        }

        @Override
        public String toString() {
            return arch + (cubin ? " (cubin)" : " (ptx, JIT-compiled by the driver)");
        }
    }

    /**
     * Chooses what to compile for a device of compute capability major.minor, given the architectures NVRTC
     * supports (as nvrtcGetSupportedArchs lists them, e.g. 75, 80, 90): native code ({@code sm_XY}, a CUBIN that
     * the driver loads without JIT, whatever PTX version the driver understands) when NVRTC knows the device;
     * otherwise PTX for the newest older architecture ({@code compute_XY}), which the driver JIT-compiles (a device
     * newer than NVRTC comes with a driver at least as new).
     */
    static Target chooseTarget(int major, int minor, int[] supported) {
        int device = major * 10 + minor;
        int best = -1;
        for (int a : supported) {
            if (a == device) {
                return new Target("sm_" + device, true);
            }
            if (a < device && a > best) {
                best = a;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("NVRTC cannot compile for compute capability " + major + "." + minor
                    + ": it supports only " + Arrays.toString(supported));
        }
        return new Target("compute_" + best, false);
    }

    /**
     * NVRTC options: the target, and exact IEEE float arithmetic (no FMA contraction, IEEE division and square
     * root, denormals kept) so that the kernels match the Java reference bit for bit. Never fast math.
     */
    static List<String> compileOptions(Target target) {
        List<String> o = new ArrayList<>();
        o.add("--gpu-architecture=" + target.arch);
        o.add("-default-device");
        o.add("--fmad=false");
        o.add("--prec-div=true");
        o.add("--prec-sqrt=true");
        o.add("--ftz=false");
        return o;
    }
}
