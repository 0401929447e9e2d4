package io.counterflow.model.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.testing.TinyData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared fixture of the backend parity tests: a backend under test next to the Java reference, tensors
 * uploaded to both ({@link Twin}), and comparisons with named tolerances. Every kernel test runs over {@link
 * #backendNames()}; a backend that cannot be created here (no GPU, no native library for this platform) is
 * skipped through {@link Assumptions}, never failed.
 */
final class ParityFixture implements AutoCloseable {

    /** Bit-for-bit equality (NaN equals NaN): the kernel runs the same code in the same order everywhere. */
    static final Tolerance ELEMENTWISE_EXACT = Tolerance.exact("ELEMENTWISE_EXACT");

    /**
     * GEMM: |c − c_ref| ≤ GEMM_RELATIVE · k · (Σ_p |a_ip b_pj|·|alpha| + |beta c_ij|), a multiple of the classic
     * k·u·|A||B| forward-error bound (u = 2⁻²⁴ ≈ 6e-8) that covers both the reference's and BLAS's rounding
     * in any summation order.
     */
    static final double GEMM_RELATIVE = 1e-6;

    /** Reductions (sum over rows): |s − s_ref| ≤ REDUCTION_RELATIVE · n · Σ|terms|, as for GEMM. */
    static final double REDUCTION_RELATIVE = 1e-6;

    /**
     * Whole training steps: after 3 Adam steps with lr 1e-3, parameters agree to TRAIN_STEP_ABSOLUTE. GEMM
     * rounding differences change gradients by ~1e-7 relative, and Adam's normalised step turns that into
     * ~1e-10; the bound leaves room for a gradient that sits within rounding of zero (a sign flip moves a
     * weight by up to 2·lr per step) only in a handful of elements, see {@link #TRAIN_STEP_MAX_FLIPS}.
     */
    static final double TRAIN_STEP_ABSOLUTE = 1e-6;

    /** Elements allowed beyond TRAIN_STEP_ABSOLUTE (but within 6·lr): gradients that round to opposite signs. */
    static final int TRAIN_STEP_MAX_FLIPS = 2;

    /** The reference backend's name. */
    static final String REFERENCE = "java";

    final Backend ref;
    final Backend sub;
    private final List<Tensor> owned = new ArrayList<>();

    private ParityFixture(Backend ref, Backend sub) {
        this.ref = ref;
        this.sub = sub;
    }

    /** Every backend name {@link Backends#create} knows but {@code auto} (an alias of one of the others). */
    static Stream<String> backendNames() {
        return Arrays.stream(Backends.NAMES).filter(n -> !n.equals("auto"));
    }

    /**
     * Creates the named backend, or skips the calling test (with the reason) when it cannot run here. OpenBLAS
     * must load on linux-x86_64 (the natives ship with the build), so there a failure to create it fails.
     */
    static Backend createOrSkip(String name) {
        try {
            return Backends.create(name);
        } catch (RuntimeException | LinkageError e) {
            if (name.equals("openblas") && linuxX86()) {
                throw new AssertionError("OpenBLAS must load on linux-x86_64: " + e, e);
            }
            Assumptions.abort("backend '" + name + "' cannot be created on this machine ("
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + "): " + e);
            throw new IllegalStateException("unreachable");
        }
    }

    static boolean linuxX86() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** The Java reference next to the named backend (skips when that one cannot be created here). */
    static ParityFixture open(String name) {
        Backend sub = createOrSkip(name);
        return new ParityFixture(Backends.create(REFERENCE), sub);
    }

    /** One logical tensor, on the reference and on the backend under test. */
    static final class Twin {
        final Tensor ref;
        final Tensor sub;

        Twin(Tensor ref, Tensor sub) {
            this.ref = ref;
            this.sub = sub;
        }

        Twin setRows(int n) {
            ref.setRows(n);
            sub.setRows(n);
            return this;
        }

        int capacityRows() {
            return ref.capacityRows();
        }

        int cols() {
            return ref.cols();
        }
    }

    /** A tensor holding {@code data} (row-major, full capacity) on both backends. */
    Twin of(int rows, int cols, float[] data) {
        Tensor r = ref.allocate(rows, cols);
        Tensor s = sub.allocate(rows, cols);
        owned.add(r);
        owned.add(s);
        ref.upload(data, 0, r);
        sub.upload(data, 0, s);
        return new Twin(r, s);
    }

    /** A tensor of uniform values in [lo, hi) on both backends. */
    Twin random(int rows, int cols, SplittableRandom rnd, double lo, double hi) {
        return of(rows, cols, values(rows * cols, rnd, lo, hi));
    }

    /** A tensor filled with {@code value} on both backends. */
    Twin filled(int rows, int cols, float value) {
        float[] v = new float[rows * cols];
        Arrays.fill(v, value);
        return of(rows, cols, v);
    }

    static float[] values(int n, SplittableRandom rnd, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return v;
    }

    /** The full capacity of a tensor (inactive rows included, so that writes past the active rows show). */
    static float[] full(Tensor t) {
        int rows = t.rows();
        t.setRows(t.capacityRows());
        float[] out = new float[t.size()];
        t.backend().download(t, out, 0);
        t.setRows(rows);
        return out;
    }

    /** Asserts that the backend under test left the same contents as the reference, element by element. */
    static void assertParity(String what, Twin t, Tolerance tol) {
        assertClose(what, full(t.sub), full(t.ref), tol);
    }

    static void assertClose(String what, float[] actual, float[] expected, Tolerance tol) {
        assertThat(actual).as(what + ": length").hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (!tol.accepts(actual[i], expected[i], i)) {
                fail(String.format(Locale.ROOT, "%s: element %d is %s, reference %s (|diff| %.3g > %s %.3g)", what,
                        i, actual[i], expected[i], Math.abs((double) actual[i] - expected[i]), tol.name,
                        tol.bound(i)));
            }
        }
    }

    /** A named acceptance rule for one element: exact, or |a − e| ≤ a per-element bound. */
    static final class Tolerance {
        final String name;
        private final double[] bounds;

        private Tolerance(String name, double[] bounds) {
            this.name = name;
            this.bounds = bounds;
        }

        static Tolerance exact(String name) {
            return new Tolerance(name, null);
        }

        /** |a − e| ≤ bounds[i] for element i. */
        static Tolerance perElement(String name, double[] bounds) {
            return new Tolerance(name, bounds);
        }

        /** |a − e| ≤ bound for every element. */
        static Tolerance absolute(String name, int n, double bound) {
            double[] b = new double[n];
            Arrays.fill(b, bound);
            return new Tolerance(name, b);
        }

        double bound(int i) {
            return bounds == null ? 0 : bounds[i];
        }

        boolean accepts(float a, float e, int i) {
            if (Float.isNaN(a) || Float.isNaN(e)) {
                return Float.isNaN(a) && Float.isNaN(e);
            }
            if (bounds == null) {
                return Float.floatToIntBits(a) == Float.floatToIntBits(e)
                        || a == e; // 0 and -0 count as equal
            }
            return a == e || Math.abs((double) a - e) <= bounds[i];
        }
    }

    /** Samples with multi-valued fields (1–3 values, so rows repeat within and across samples), one empty pool. */
    static LabeledSample[] samplesWithRepeats(int n, long seed) {
        LabeledSample[] s = TinyData.samples(n, seed);
        // An empty pool: the sample lacks the multi-valued field altogether.
        Features f = s[1].features;
        s[1].features = new Features(f.catNames, f.catValues, Features.NO_STRINGS, new String[0][], f.numNames,
                f.numValues);
        // The same value twice in one pool: its row gets two contributions from one sample.
        s[2].features.multiValues[0] = new String[] {"c1", "c1", "c2"};
        return s;
    }

    /** The tiny feature space (2 categorical, 1 multi-valued, 1 numeric field) with this dim. */
    static FeatureSpace space(int dim) {
        return new FeatureSpace(new String[] {"user", "item"}, new String[] {"hist"}, new String[] {"price"}, dim,
                64, false, 11L);
    }

    /** An encoded batch of {@link #samplesWithRepeats} in {@code space}. */
    static EncodedBatch batch(FeatureSpace space, int n, long seed) {
        BatchEncoder enc = new BatchEncoder(space);
        return TinyData.encode(enc, samplesWithRepeats(n, seed));
    }

    @Override
    public void close() {
        for (Tensor t : owned) {
            t.close();
        }
        ref.close();
        sub.close();
    }
}
