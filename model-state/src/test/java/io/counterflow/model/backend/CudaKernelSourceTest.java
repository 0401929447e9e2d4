package io.counterflow.model.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.counterflow.model.backend.CudaKernels.Arg;
import io.counterflow.model.backend.CudaKernels.Kernel;
import io.counterflow.model.backend.CudaKernels.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of the CUDA backend without a GPU: the kernel source resource is there, declares exactly
 * the kernels the Java side launches with exactly the parameter kinds it passes, the launch geometry covers
 * every element within the grid limits, the target choice and the NVRTC options keep float arithmetic exact,
 * and (where nvcc is installed, as on the development machines) the source compiles for Hopper with no FMA
 * contraction of float operations.
 */
class CudaKernelSourceTest {
    private static final Pattern GLOBAL = Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");

    /** Every extern "C" __global__ kernel of the source with its parameter kinds, in source order. */
    static Map<String, List<Arg>> declaredInSource() {
        Map<String, List<Arg>> m = new LinkedHashMap<>();
        Matcher mt = GLOBAL.matcher(CudaKernels.source());
        while (mt.find()) {
            List<Arg> kinds = new ArrayList<>();
            for (String p : mt.group(2).split(",")) {
                String decl = p.strip();
                String type = decl.substring(0, decl.lastIndexOf(' ') + 1).replace("const", "").strip();
                if (type.endsWith("*")) {
                    kinds.add(Arg.PTR);
                } else if (type.equals("int")) {
                    kinds.add(Arg.INT);
                } else if (type.equals("float")) {
                    kinds.add(Arg.FLOAT);
                } else {
                    throw new AssertionError("kernel " + mt.group(1) + ": unexpected parameter type '" + type + "'");
                }
            }
            assertThat(m.put(mt.group(1), kinds)).as("kernel %s defined twice", mt.group(1)).isNull();
        }
        return m;
    }

    @Test
    void sourceDeclaresExactlyTheLaunchedKernelsWithTheirParameters() {
        Map<String, List<Arg>> src = declaredInSource();
        Map<String, List<Arg>> java = new LinkedHashMap<>();
        for (Kernel k : Kernel.values()) {
            java.put(k.symbol, Arrays.asList(k.args));
        }
        assertThat(src.keySet()).as("extern \"C\" __global__ kernels in %s", CudaKernels.SOURCE)
                .containsExactlyInAnyOrderElementsOf(java.keySet());
        for (Kernel k : Kernel.values()) {
            assertThat(src.get(k.symbol)).as("parameters of %s", k.symbol).containsExactly(k.args);
        }
        assertThat(CudaKernels.maxArgs()).isEqualTo(14);
    }

    @Test
    void sourceUsesNoHeaders() {
        // NVRTC compiles it without include paths; builtins only.
        assertThat(CudaKernels.source()).doesNotContain("#include");
    }

    @Test
    void grid1dCoversEveryElementWithinTheLimit() {
        assertThat(CudaKernels.grid1d(0, 256)).isZero();
        assertThat(CudaKernels.grid1d(-5, 256)).isZero();
        assertThat(CudaKernels.grid1d(1, 256)).isEqualTo(1);
        assertThat(CudaKernels.grid1d(256, 256)).isEqualTo(1);
        assertThat(CudaKernels.grid1d(257, 256)).isEqualTo(2);
        assertThat(CudaKernels.grid1d(16384L * 256, 256)).isEqualTo(16384);
        assertThat(CudaKernels.grid1d(1L << 40, 256)).isEqualTo(CudaKernels.MAX_GRID);
        assertThatThrownBy(() -> CudaKernels.grid1d(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sumRowsChunksCoverEveryRowOnceWithinTheGrid() {
        assertThat(CudaKernels.sumRowsChunks(0)).isZero();
        for (int rows : new int[] {1, 9, 255, 256, 257, 300, 1024, 16384, 16_777_216, 100_000_000,
            Integer.MAX_VALUE}) {
            int per = CudaKernels.sumRowsPerChunk(rows);
            int chunks = CudaKernels.sumRowsChunks(rows);
            assertThat(per).as("rows per chunk for %d", rows).isGreaterThanOrEqualTo(CudaKernels.SUM_ROWS_PER_CHUNK);
            assertThat(chunks).as("chunks for %d", rows).isBetween(1, CudaKernels.MAX_GRID);
            assertThat((long) chunks * per).as("coverage of %d rows", rows).isGreaterThanOrEqualTo(rows);
            assertThat((long) (chunks - 1) * per).as("no empty chunk for %d rows", rows).isLessThan(rows);
        }
        assertThat(CudaKernels.sumRowsChunks(16384)).isEqualTo(64);
    }

    @Test
    void targetIsNativeCodeWhenNvrtcKnowsTheDeviceElsePtxForTheNewestOlderArchitecture() {
        int[] cuda13 = {75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121};
        Target h100 = CudaKernels.chooseTarget(9, 0, cuda13);
        assertThat(h100.arch).isEqualTo("sm_90");
        assertThat(h100.cubin).isTrue();
        Target future = CudaKernels.chooseTarget(13, 0, cuda13);
        assertThat(future.arch).isEqualTo("compute_121");
        assertThat(future.cubin).isFalse();
        assertThatThrownBy(() -> CudaKernels.chooseTarget(7, 0, cuda13)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("compute capability 7.0").hasMessageContaining("75");
    }

    @Test
    void compileOptionsKeepFloatArithmeticExact() {
        List<String> o = CudaKernels.compileOptions(new Target("sm_90", true));
        assertThat(o.get(0)).isEqualTo("--gpu-architecture=sm_90");
        assertThat(o).contains("--fmad=false", "--prec-div=true", "--prec-sqrt=true", "--ftz=false", "-default-device");
        assertThat(String.join(" ", o)).doesNotContain("fast_math").doesNotContain("fast-math");
    }

    /** nvcc is on the development and CI machines (not needed at run time: the backend uses NVRTC). */
    @Test
    void sourceCompilesForHopperWithoutFloatFma(@TempDir Path dir) throws Exception {
        Path nvcc = findOnPath("nvcc");
        Assumptions.assumeTrue(nvcc != null, "nvcc is not on the PATH: the compile check runs where CUDA's compiler is installed");
        Path cu = dir.resolve("kernels.cu");
        Files.writeString(cu, CudaKernels.source(), StandardCharsets.UTF_8);
        List<String> flags = new ArrayList<>();
        for (String o : CudaKernels.compileOptions(new Target("sm_90", true))) {
            if (o.startsWith("--gpu-architecture=")) {
                continue; // given per output below
            }
            if (!o.equals("-default-device")) { // an NVRTC-only option
                flags.add(o);
            }
        }
        run(dir, nvcc.toString(), "--cubin", "-arch=sm_90", flags, "-o", dir.resolve("k.cubin").toString(),
                cu.toString());
        run(dir, nvcc.toString(), "--ptx", "-arch=compute_90", flags, "-o", dir.resolve("k.ptx").toString(),
                cu.toString());
        String ptx = Files.readString(dir.resolve("k.ptx"));
        assertThat(ptx).as("float FMAs would break bit parity with Java").doesNotContain("fma.rn.f32")
                .doesNotContain("fma.rz.f32").doesNotContain("fma.rm.f32").doesNotContain("fma.rp.f32");
        assertThat(ptx).contains("div.rn.f32").contains("sqrt.rn.f32");
        for (Kernel k : Kernel.values()) {
            assertThat(ptx).as("entry %s", k.symbol).contains(".entry " + k.symbol + "(");
        }
    }

    private static void run(Path dir, String exe, String first, String arch, List<String> flags, String... rest)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe, first, arch));
        cmd.addAll(flags);
        cmd.addAll(Arrays.asList(rest));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("nvcc finished in time").isTrue();
        assertThat(p.exitValue()).as("%s\n%s", String.join(" ", cmd), out).isZero();
    }

    private static Path findOnPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
