package io.counterflow.jobs.check;

import io.counterflow.jobs.bench.BenchData;
import io.counterflow.model.backend.AdamStep;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.Objectives;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Parity of one backend against the Java reference, outside JUnit: every kernel (memory, GEMM in all
 * transpositions, bias, ReLU, sumRows, softmax, MMoE mixing, embedding gather/pool and scatter-add, objective,
 * Adam, lazy Adam, Adagrad) and whole training steps of every objective × extractor, plus the benchmark's model at
 * batch 1024. The same tolerances as the JUnit parity tests ({@code ParityFixture}): bit-for-bit where the
 * reference's order is reproducible, the k·u·|A||B| forward-error bound for GEMM and reductions, and for whole
 * steps a parameter bound after 3 Adam steps. Entry point of {@code counterflow gpu-check}, for machines that have
 * a GPU but no Maven; sizes go beyond the unit tests' (thousands of rows) so that multi-block launches are covered.
 */
public final class BackendCheck {
    /** GEMM: |c − c_ref| ≤ GEMM_RELATIVE · k · (|alpha|·Σ_p |a_ip b_pj| + |beta c_ij|). */
    public static final double GEMM_RELATIVE = 1e-6;
    /** Reductions: |s − s_ref| ≤ REDUCTION_RELATIVE · (n + 1) · Σ|terms|. */
    public static final double REDUCTION_RELATIVE = 1e-6;
    /** Whole steps: parameters agree to this after 3 Adam steps, but for a few rounding sign flips. */
    public static final double TRAIN_STEP_ABSOLUTE = 1e-6;
    /** Elements of a tiny model allowed beyond TRAIN_STEP_ABSOLUTE (never beyond 6·lr). */
    public static final int TRAIN_STEP_MAX_FLIPS = 2;
    /** Fraction of the benchmark model's parameters allowed beyond TRAIN_STEP_ABSOLUTE (never beyond 6·lr). */
    public static final double LARGE_STEP_MAX_FLIP_FRACTION = 1e-4;

    private static final int STEPS = 3;

    /** The outcome of one check: pass or fail, the largest deviation from the reference, and a detail. */
    public static final class Result {
        public final String name;
        public final boolean passed;
        public final double maxError;
        public final String detail;

        Result(String name, boolean passed, double maxError, String detail) {
            this.name = name;
            this.passed = passed;
            this.maxError = maxError;
            this.detail = detail;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s %-58s max|diff| %-9.3g %s", passed ? "PASS" : "FAIL", name, maxError,
                    detail);
        }
    }

    private final Backend ref;
    private final Backend sub;
    private final boolean full;
    private final Consumer<Result> sink;
    private final List<Result> results = new ArrayList<>();
    private final List<Tensor> owned = new ArrayList<>();

    private BackendCheck(Backend ref, Backend sub, boolean full, Consumer<Result> sink) {
        this.ref = ref;
        this.sub = sub;
        this.full = full;
        this.sink = sink;
    }

    /**
     * Runs every check of the named backend, reporting each result to {@code sink} as it completes; a backend
     * that cannot be created gives one failed result saying why. {@code full = false} keeps to small shapes and
     * a few objectives (seconds on a CPU: the checker's own test).
     */
    public static List<Result> run(String backend, boolean full, Consumer<Result> sink) {
        Backend sub;
        try {
            sub = Backends.create(backend);
        } catch (RuntimeException | LinkageError e) {
            Result r = new Result("create backend " + backend, false, Double.NaN, e.toString());
            sink.accept(r);
            return List.of(r);
        }
        try (Backend ref = Backends.create("java")) {
            BackendCheck c = new BackendCheck(ref, sub, full, sink);
            c.report("create backend " + backend, true, 0, sub.toString());
            c.runAll();
            c.release();
            return c.results;
        } finally {
            sub.close();
        }
    }

    private void runAll() {
        guarded("memory", this::memory);
        guarded("gemm", this::gemm);
        guarded("addBias/relu", this::elementwise);
        guarded("sumRows", this::sumRows);
        guarded("softmax", this::softmax);
        guarded("mixExperts", this::mixExperts);
        guarded("embed", this::embedding);
        guarded("optimisers", this::optimisers);
        // The objective itself is host code, the same on every backend: whole train steps cover the logits'
        // way down and the gradients' way up.
        for (String k : Objectives.names()) {
            if (!full && !k.equals("esmm") && !k.equals("escm2-dr") && !k.equals("dcmt")) {
                continue;
            }
            for (String e : new String[] {"shared-bottom", "mmoe", "ple"}) {
                guarded("train step " + k + "/" + e, () -> tinySteps(k, e));
            }
        }
        if (full) {
            for (String objective : new String[] {"esmm", "escm2-dr", "dcmt"}) {
                guarded("train step (bench model, batch 1024) " + objective, () -> benchSteps(objective));
            }
        }
    }

    /** Runs a group of checks; an exception fails the group with its message instead of stopping the run. */
    private void guarded(String what, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | LinkageError | AssertionError e) {
            report(what, false, Double.NaN, "threw " + e);
        } finally {
            release();
        }
    }

    private void report(String name, boolean passed, double maxError, String detail) {
        Result r = new Result(name, passed, maxError, detail);
        results.add(r);
        sink.accept(r);
    }

    private void release() {
        for (Tensor t : owned) {
            t.close();
        }
        owned.clear();
    }

    // ---- tensors on both backends -------------------------------------------------------------------------------

    /** One logical tensor on the reference and on the backend under test. */
    private static final class Pair {
        final Tensor r;
        final Tensor s;

        Pair(Tensor r, Tensor s) {
            this.r = r;
            this.s = s;
        }

        Pair rows(int n) {
            r.setRows(n);
            s.setRows(n);
            return this;
        }
    }

    private Pair of(int rows, int cols, float[] data) {
        Tensor r = ref.allocate(rows, cols);
        Tensor s = sub.allocate(rows, cols);
        owned.add(r);
        owned.add(s);
        ref.upload(data, 0, r);
        sub.upload(data, 0, s);
        return new Pair(r, s);
    }

    private Pair random(int rows, int cols, SplittableRandom rnd, double lo, double hi) {
        return of(rows, cols, values(rows * cols, rnd, lo, hi));
    }

    private Pair filled(int rows, int cols, float v) {
        float[] a = new float[rows * cols];
        Arrays.fill(a, v);
        return of(rows, cols, a);
    }

    private static float[] values(int n, SplittableRandom rnd, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return v;
    }

    /** The full capacity of a tensor (inactive rows included, so that writes past the active rows show). */
    private static float[] full(Tensor t) {
        int rows = t.rows();
        t.setRows(t.capacityRows());
        float[] out = new float[t.size()];
        t.backend().download(t, out, 0);
        t.setRows(rows);
        return out;
    }

    /** Compares bit for bit (NaN = NaN, 0 = −0) and reports. */
    private void exact(String name, Pair p) {
        compare(name, full(p.s), full(p.r), null);
    }

    /** Compares within per-element bounds (null: exact) and reports. */
    private void compare(String name, float[] actual, float[] expected, double[] bounds) {
        double worst = 0;
        int bad = -1;
        for (int i = 0; i < expected.length; i++) {
            float a = actual[i];
            float e = expected[i];
            boolean ok;
            double d;
            if (Float.isNaN(a) || Float.isNaN(e)) {
                ok = Float.isNaN(a) && Float.isNaN(e);
                d = ok ? 0 : Double.POSITIVE_INFINITY;
            } else if (a == e) {
                d = 0;
                ok = true;
            } else {
                d = Math.abs((double) a - e);
                ok = bounds != null && d <= bounds[i];
            }
            worst = Math.max(worst, d);
            if (!ok && bad < 0) {
                bad = i;
            }
        }
        String tol = bounds == null ? "exact" : "bounded";
        report(name, bad < 0, worst, bad < 0 ? tol : String.format(Locale.ROOT, "%s; first mismatch at %d: %s vs %s",
                tol, bad, actual[bad], expected[bad]));
    }

    // ---- kernels ------------------------------------------------------------------------------------------------

    private void memory() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] src = values(13 * 7, rnd, -3, 3);
        src[5] = Float.NaN;
        src[6] = Float.POSITIVE_INFINITY;
        src[7] = -0f;
        src[8] = Float.MIN_VALUE;
        Pair t = of(13, 7, src);
        exact("upload/download (NaN, inf, -0, subnormal)", t);
        float[] back = new float[13 * 7];
        sub.download(t.s, back, 0);
        boolean negZero = Float.floatToRawIntBits(back[7]) == Float.floatToRawIntBits(-0f);
        report("download keeps -0", negZero, 0, negZero ? "" : "got " + back[7]);
        Pair z = filled(4000, 33, 0f);
        Tensor fresh = sub.allocate(4000, 33);
        owned.add(fresh);
        compare("allocate zero-fills", full(fresh), full(z.r), null);
        Pair f = random(4000, 33, rnd, -1, 1).rows(3);
        ref.fill(f.r, -1.5f);
        sub.fill(f.s, -1.5f);
        exact("fill covers capacity", f);
        Pair a = random(300, 9, rnd, -2, 2).rows(250);
        Pair b = filled(300, 9, 7f).rows(250);
        ref.copy(a.r, b.r);
        sub.copy(a.s, b.s);
        exact("copy (active rows only)", b);
    }

    private void gemm() {
        SplittableRandom rnd = new SplittableRandom(2);
        int[][] shapes = full ? new int[][] {{9, 7, 5}, {300, 1, 64}, {1024, 256, 152}, {1024, 152, 256}}
                : new int[][] {{9, 7, 5}, {300, 1, 64}};
        for (int[] mnk : shapes) {
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                for (float beta : new float[] {0f, 1f, 0.5f}) {
                    float alpha = beta == 0.5f ? 0.7f : 1f;
                    // Capacity above the active rows where the row count is the batch (A's or C's rows).
                    Pair a = ta ? random(k, m, rnd, -1, 1) : random(m + 3, k, rnd, -1, 1).rows(m);
                    Pair b = tb ? random(n, k, rnd, -1, 1) : random(k, n, rnd, -1, 1);
                    float[] c0 = beta == 0f ? nan((m + 3) * n) : values((m + 3) * n, rnd, -1, 1);
                    Pair c = of(m + 3, n, c0).rows(m);
                    ref.gemm(ta, tb, alpha, a.r, b.r, beta, c.r);
                    sub.gemm(ta, tb, alpha, a.s, b.s, beta, c.s);
                    float[] av = full(a.r);
                    float[] bv = full(b.r);
                    double[] bound = new double[(m + 3) * n];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double abs = beta == 0f ? 0 : Math.abs(beta * c0[i * n + j]);
                            double s = 0;
                            for (int p = 0; p < k; p++) {
                                float aip = ta ? av[p * m + i] : av[i * k + p];
                                float bpj = tb ? bv[j * k + p] : bv[p * n + j];
                                s += Math.abs((double) aip * bpj);
                            }
                            bound[i * n + j] = GEMM_RELATIVE * k * (Math.abs(alpha) * s + abs);
                        }
                    }
                    compare(String.format(Locale.ROOT, "gemm %s%s %dx%dx%d alpha=%s beta=%s", ta ? "T" : "N",
                            tb ? "T" : "N", m, n, k, alpha, beta), full(c.s), full(c.r), bound);
                }
            }
        }
    }

    private void elementwise() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int[] rc : full ? new int[][] {{9, 1}, {9, 7}, {9, 64}, {4096, 256}} : new int[][] {{9, 1}, {9, 7}}) {
            int rows = rc[0];
            int cols = rc[1];
            Pair y = random(rows + 4, cols, rnd, -2, 2).rows(rows);
            Pair bias = random(1, cols, rnd, -1, 1);
            ref.addBias(y.r, bias.r);
            sub.addBias(y.s, bias.s);
            exact("addBias " + rows + "x" + cols, y);
            float[] v = values((rows + 4) * cols, rnd, -1, 1);
            v[0] = 0f;
            v[Math.min(1, v.length - 1)] = -0f;
            v[Math.min(2, v.length - 1)] = Float.NaN;
            v[Math.min(3, v.length - 1)] = Float.NEGATIVE_INFINITY;
            Pair r = of(rows + 4, cols, v).rows(rows);
            ref.relu(r.r);
            sub.relu(r.s);
            exact("relu " + rows + "x" + cols + " (NaN, -0, -inf)", r);
            Pair dy = random(rows + 4, cols, rnd, -1, 1).rows(rows);
            ref.reluBackward(r.r, dy.r);
            sub.reluBackward(r.s, dy.s);
            exact("reluBackward " + rows + "x" + cols, dy);
        }
    }

    private void sumRows() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int rows : full ? new int[] {0, 1, 9, 300, 5000, 16384} : new int[] {0, 1, 9, 300}) {
            for (int cols : new int[] {37, 256}) {
                for (float beta : new float[] {0f, 1f, 0.5f}) {
                    float[] d = values((rows + 2) * cols, rnd, -1, 1);
                    Pair dy = of(rows + 2, cols, d).rows(rows);
                    float[] o0 = beta == 0f ? nan(cols) : values(cols, rnd, -1, 1);
                    Pair out = of(1, cols, o0);
                    ref.sumRows(dy.r, beta, out.r);
                    sub.sumRows(dy.s, beta, out.s);
                    double[] bound = new double[cols];
                    for (int j = 0; j < cols; j++) {
                        double abs = beta == 0f ? 0 : Math.abs(beta * o0[j]);
                        for (int i = 0; i < rows; i++) {
                            abs += Math.abs(d[i * cols + j]);
                        }
                        bound[j] = REDUCTION_RELATIVE * (rows + 1) * abs;
                    }
                    compare("sumRows " + rows + "x" + cols + " beta=" + beta, full(out.s), full(out.r), bound);
                }
            }
        }
    }

    private void softmax() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int rows : full ? new int[] {9, 5000} : new int[] {9}) {
            for (int k : new int[] {1, 2, 4, 9}) {
                float[] z = values((rows + 4) * k, rnd, -5, 5);
                z[0] = 80f;
                Pair g = of(rows + 4, k, z).rows(rows);
                ref.softmaxRows(g.r);
                sub.softmaxRows(g.s);
                exact("softmaxRows " + rows + "x" + k, g);
                Pair d = random(rows + 4, k, rnd, -1, 1).rows(rows);
                ref.softmaxBackward(g.r, d.r);
                sub.softmaxBackward(g.s, d.s);
                exact("softmaxBackward " + rows + "x" + k, d);
            }
        }
    }

    private void mixExperts() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int rows : full ? new int[] {9, 2048} : new int[] {9}) {
            for (int[] kh : new int[][] {{1, 3}, {4, 8}, {3, 33}, {4, 128}}) {
                int k = kh[0];
                int h = kh[1];
                String shape = rows + " rows K=" + k + " h=" + h;
                Pair e = random(rows + 4, k * h, rnd, -1, 1).rows(rows);
                Pair g = random(rows + 4, k, rnd, 0, 1).rows(rows);
                Pair out = filled(rows + 4, h, Float.NaN).rows(rows);
                ref.mixExperts(e.r, g.r, out.r);
                sub.mixExperts(e.s, g.s, out.s);
                exact("mixExperts " + shape, out);
                for (float beta : new float[] {0f, 1f}) {
                    Pair dOut = random(rows + 4, h, rnd, -1, 1).rows(rows);
                    Pair dE = (beta == 0f ? filled(rows + 4, k * h, Float.NaN) : random(rows + 4, k * h, rnd, -1, 1))
                            .rows(rows);
                    Pair dG = filled(rows + 4, k, Float.NaN).rows(rows);
                    ref.mixExpertsBackward(e.r, g.r, dOut.r, beta, dE.r, dG.r);
                    sub.mixExpertsBackward(e.s, g.s, dOut.s, beta, dE.s, dG.s);
                    exact("mixExpertsBackward dE " + shape + " beta=" + beta, dE);
                    exact("mixExpertsBackward dG " + shape + " beta=" + beta, dG);
                }
            }
        }
    }

    private void embedding() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int n : full ? new int[] {24, 4096} : new int[] {24}) {
            for (int dim : new int[] {1, 4, 16}) {
                FeatureSpace space = tinySpace(dim, 64);
                EncodedBatch b = tinyBatch(space, n, 3);
                Pair table = random(space.tableRows(), dim, rnd, -1, 1);
                Pair x = filled(n + 4, space.inputWidth(), Float.NaN).rows(n);
                ref.uploadBatch(b);
                sub.uploadBatch(b);
                ref.embed(table.r, b, x.r);
                sub.embed(table.s, b, x.s);
                exact("embed n=" + n + " dim=" + dim, x);
                Pair dx = random(n + 3, space.inputWidth(), rnd, -1, 1).rows(n);
                Pair grad = filled(b.uniqueCount + 5, dim, Float.NaN);
                ref.embedBackward(dx.r, b, grad.r);
                sub.embedBackward(dx.s, b, grad.s);
                exact("embedBackward n=" + n + " dim=" + dim + " (" + b.uniqueCount + " unique rows)", grad);
            }
        }
        if (full) {
            // The benchmark's schema: 8 + 1 + 1 fields, thousands of distinct rows, a few very frequent ones.
            Settings s = BenchData.settings("esmm", "shared-bottom");
            FeatureSpace space = BenchData.space(s);
            int n = 4096;
            EncodedBatch b = encode(new BatchEncoder(space), BenchData.samples(n, 11));
            Pair table = random(space.tableRows(), space.dim, rnd, -1, 1);
            Pair x = filled(n, space.inputWidth(), Float.NaN);
            ref.uploadBatch(b);
            sub.uploadBatch(b);
            ref.embed(table.r, b, x.r);
            sub.embed(table.s, b, x.s);
            exact("embed (bench schema) n=" + n, x);
            Pair dx = random(n, space.inputWidth(), rnd, -1, 1);
            Pair grad = filled(b.uniqueCount, space.dim, Float.NaN);
            ref.embedBackward(dx.r, b, grad.r);
            sub.embedBackward(dx.s, b, grad.s);
            exact("embedBackward (bench schema) n=" + n + " (" + b.uniqueCount + " unique rows)", grad);
        }
    }

    private void optimisers() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (float l2 : new float[] {0f, 0.01f}) {
            Pair w = random(257, 129, rnd, -1, 1);
            Pair m = random(257, 129, rnd, -0.1, 0.1);
            Pair v = random(257, 129, rnd, 0, 0.01);
            AdamStep s = new AdamStep(0.01f, 0.9f, 0.999f, 1e-8f, l2);
            for (int t = 1; t <= STEPS; t++) {
                Pair g = random(257, 129, rnd, -1, 1);
                s.forStep(t);
                ref.adam(w.r, g.r, m.r, v.r, s);
                sub.adam(w.s, g.s, m.s, v.s, s);
            }
            exact("adam w l2=" + l2, w);
            exact("adam m l2=" + l2, m);
            exact("adam v l2=" + l2, v);
        }
        for (int n : full ? new int[] {24, 4096} : new int[] {24}) {
            FeatureSpace space = tinySpace(4, 4096);
            EncodedBatch b = tinyBatch(space, n, 9);
            int rows = space.tableRows();
            Pair table = random(rows, 4, rnd, -1, 1);
            Pair m = random(rows, 4, rnd, -0.1, 0.1);
            Pair v = random(rows, 4, rnd, 0, 0.01);
            Pair acc = random(rows, 4, rnd, 0, 0.1);
            Pair tableA = random(rows, 4, rnd, -1, 1);
            AdamStep s = new AdamStep(0.05f, 0.9f, 0.999f, 1e-8f, 0.001f);
            ref.uploadBatch(b);
            sub.uploadBatch(b);
            for (int t = 1; t <= STEPS; t++) {
                Pair g = random(b.uniqueCount + 2, 4, rnd, -1, 1);
                s.forStep(t);
                ref.sparseAdam(table.r, m.r, v.r, g.r, b, s);
                sub.sparseAdam(table.s, m.s, v.s, g.s, b, s);
                ref.sparseAdagrad(tableA.r, acc.r, g.r, b, s);
                sub.sparseAdagrad(tableA.s, acc.s, g.s, b, s);
            }
            exact("sparseAdam table n=" + n, table);
            exact("sparseAdam m n=" + n, m);
            exact("sparseAdam v n=" + n, v);
            exact("sparseAdagrad table n=" + n, tableA);
            exact("sparseAdagrad acc n=" + n, acc);
        }
    }

    private void tinySteps(String objective, String extractor) {
        Settings s = tinySettings(objective, extractor);
        trainAndCompare("train step " + objective + "/" + extractor, s, tinySpace(s), tinySpace(s), 32,
                tinySamples(24, 3), false);
    }

    private void benchSteps(String objective) {
        Settings s = BenchData.settings(objective, "shared-bottom");
        trainAndCompare("train step (bench model, batch " + BenchData.BATCH + ") " + objective, s,
                BenchData.space(s), BenchData.space(s), BenchData.BATCH, BenchData.samples(BenchData.BATCH, 5), true);
    }

    /** STEPS steps on both backends from the same initialisation; compares losses and every parameter. */
    private void trainAndCompare(String name, Settings s, FeatureSpace refSpace, FeatureSpace subSpace, int capacity,
            LabeledSample[] samples, boolean large) {
        double lr = s.get(Settings.LEARNING_RATE);
        try (CvrModel rm = new CvrModel(s, refSpace, ref, capacity);
                CvrModel sm = new CvrModel(s, subSpace, sub, capacity)) {
            EncodedBatch rb = encode(new BatchEncoder(rm.featureSpace()), samples);
            EncodedBatch sb = encode(new BatchEncoder(sm.featureSpace()), samples);
            double lossError = 0;
            boolean lossOk = true;
            for (int t = 0; t < STEPS; t++) {
                double rt = rm.trainStep(rb).total;
                LossTerms sl = sm.trainStep(sb);
                double d = Math.abs(sl.total - rt);
                lossError = Math.max(lossError, d);
                lossOk &= sl.finite && d <= 1e-5 * Math.max(1, Math.abs(rt));
            }
            report(name + ": loss per step", lossOk, lossError, "≤ 1e-5 relative");
            Map<String, Tensor> rt = rm.tensors();
            Map<String, Tensor> st = sm.tensors();
            int flips = 0;
            long total = 0;
            double worst = 0;
            String worstAt = "";
            boolean within6lr = true;
            for (Map.Entry<String, Tensor> e : rm.parameters().entrySet()) {
                float[] r = full(e.getValue());
                float[] x = full(st.get(e.getKey()));
                total += r.length;
                for (int i = 0; i < r.length; i++) {
                    double d = Float.isNaN(r[i]) != Float.isNaN(x[i]) ? Double.POSITIVE_INFINITY
                            : Math.abs((double) r[i] - x[i]);
                    if (d > worst) {
                        worst = d;
                        worstAt = e.getKey() + "[" + i + "]";
                    }
                    if (d > TRAIN_STEP_ABSOLUTE) {
                        flips++;
                        within6lr &= d <= 6 * lr;
                    }
                }
            }
            long allowed = large ? (long) Math.floor(LARGE_STEP_MAX_FLIP_FRACTION * total) : TRAIN_STEP_MAX_FLIPS;
            boolean ok = within6lr && flips <= allowed;
            report(name + ": parameters after " + STEPS + " steps", ok, worst, String.format(Locale.ROOT,
                    "%d of %d beyond %.0e (allowed %d, all ≤ 6·lr: %s); worst at %s", flips, total,
                    TRAIN_STEP_ABSOLUTE, allowed, within6lr, worstAt));
        }
    }

    // ---- data ---------------------------------------------------------------------------------------------------

    private static float[] nan(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }

    /** 2 categorical fields, 1 multi-valued (pools of 0–3 values, repeats included), 1 numeric. */
    static FeatureSpace tinySpace(int dim, int buckets) {
        return new FeatureSpace(new String[] {"user", "item"}, new String[] {"hist"}, new String[] {"price"}, dim,
                buckets, false, 11L);
    }

    private static FeatureSpace tinySpace(Settings s) {
        return tinySpace(s.get(Settings.EMBEDDING_DIM), s.get(Settings.BUCKETS));
    }

    /** Tiny settings: dim 4, 64 buckets, towers 5-3, MMoE 2 experts of width 4 (as the unit tests). */
    static Settings tinySettings(String objective, String extractor) {
        Settings s = new Settings();
        s.set(Settings.OBJECTIVE, objective);
        s.set(Settings.EXTRACTOR, extractor);
        s.set(Settings.EMBEDDING_DIM, 4);
        s.set(Settings.BUCKETS, 64);
        s.set(Settings.TOWERS, new Integer[] {5, 3});
        s.set(Settings.EXPERTS, 2);
        s.set(Settings.EXPERT_WIDTH, 4);
        s.set(Settings.SEED, 7L);
        return s;
    }

    /**
     * Samples with rows shared across samples, a value twice in one pool (sample 2) and an empty pool (sample 1),
     * clicks and conversions.
     */
    static LabeledSample[] tinySamples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LabeledSample[] out = new LabeledSample[n];
        for (int i = 0; i < n; i++) {
            int m = i == 1 ? 0 : 1 + r.nextInt(3);
            String[] pool = new String[m];
            for (int k = 0; k < m; k++) {
                pool[k] = "c" + r.nextInt(4);
            }
            if (i == 2) {
                pool = new String[] {"c1", "c1", "c2"};
            }
            Features f = new Features(new String[] {"user", "item"},
                    new String[] {"u" + r.nextInt(6), "i" + r.nextInt(5)}, new String[] {"hist"},
                    new String[][] {pool}, new String[] {"price"}, new double[] {r.nextDouble() * 10});
            int click = (i % 3 == 0 || r.nextInt(4) == 0) ? 1 : 0;
            int conv = click == 1 && i % 2 == 0 ? 1 : 0;
            out[i] = new LabeledSample("s" + i, i, click, conv, f, new Truth(0.3, 0.25));
        }
        return out;
    }

    static EncodedBatch tinyBatch(FeatureSpace space, int n, long seed) {
        return encode(new BatchEncoder(space), tinySamples(n, seed));
    }

    private static EncodedBatch encode(BatchEncoder enc, LabeledSample[] samples) {
        EncodedBatch b = enc.newBatch(samples.length);
        enc.encode(samples, 0, samples.length, b, true);
        return b;
    }

    /** "N passed, M failed" over results. */
    public static String summary(List<Result> results) {
        long passed = results.stream().filter(r -> r.passed).count();
        return passed + " passed, " + (results.size() - passed) + " failed";
    }
}
