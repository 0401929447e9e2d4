package io.counterflow.jobs.bench;

import io.counterflow.model.backend.Backends;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.backend.TimingBackend;
import io.counterflow.model.backend.TimingBackend.Kernel;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the time of a training step goes: runs warm-up steps, then N profiled steps of one objective on one
 * backend (the {@link BenchData} model and data, bench or demo, at a given batch size), timing the encoder and
 * every kernel call through {@link TimingBackend}, and prints milliseconds per step by phase (encode, embed,
 * forward GEMMs, forward element-wise, objective, backward GEMMs, backward element-wise, embedding backward,
 * optimiser, and the model's own overhead between kernels), then by kernel.
 *
 * <p>Usage: {@code StepProfile [objective=esmm] [backend=openblas] [steps=100] [extractor=shared-bottom]
 * [data=bench] [batch=1024]}.
 */
public final class StepProfile {

    /** Phases of a step, each a set of kernels. */
    enum Phase {
        EMBED("embed (uploadBatch + gather/pool)", Kernel.UPLOAD_BATCH, Kernel.EMBED),
        FORWARD_GEMM("forward GEMMs", Kernel.GEMM_FORWARD),
        FORWARD_ELEMENTWISE("forward element-wise (bias, relu, gates)", Kernel.ADD_BIAS, Kernel.RELU,
                Kernel.SOFTMAX, Kernel.MIX_EXPERTS),
        OBJECTIVE("objective", Kernel.OBJECTIVE),
        BACKWARD_GEMM("backward GEMMs (weight + input grads)", Kernel.GEMM_WEIGHT_GRAD, Kernel.GEMM_INPUT_GRAD,
                Kernel.GEMM_OTHER),
        BACKWARD_ELEMENTWISE("backward element-wise (relu mask, bias grad, gates)", Kernel.RELU_BACKWARD,
                Kernel.SUM_ROWS, Kernel.SOFTMAX_BACKWARD, Kernel.MIX_EXPERTS_BACKWARD),
        EMBED_BACKWARD("embedding backward (scatter-add)", Kernel.EMBED_BACKWARD),
        OPTIMISER("optimiser (dense Adam + sparse rows)", Kernel.ADAM, Kernel.SPARSE_ADAM, Kernel.SPARSE_ADAGRAD),
        MEMORY("upload/download", Kernel.MEMORY);

        final String label;
        final Kernel[] kernels;

        Phase(String label, Kernel... kernels) {
            this.label = label;
            this.kernels = kernels;
        }
    }

    private StepProfile() {}

    public static void main(String[] args) {
        String objective = args.length > 0 ? args[0] : "esmm";
        String backend = args.length > 1 ? args[1] : "openblas";
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        String extractor = args.length > 3 ? args[3] : "shared-bottom";
        String data = args.length > 4 ? args[4] : "bench";
        int batch = args.length > 5 ? Integer.parseInt(args[5]) : BenchData.BATCH;
        System.out.print(profile(data, objective, backend, steps, extractor, batch));
    }

    /** Runs the profile and returns the report. */
    public static String profile(String data, String objective, String backend, int steps, String extractor,
            int batch) {
        Settings settings = BenchData.settings(data, objective, extractor);
        int distinct = 8;
        int warmup = Math.max(5, Math.min(30, steps / 2));
        LabeledSample[] samples = BenchData.samples(data, distinct * batch, 1);
        try (TimingBackend be = new TimingBackend(Backends.create(backend));
                CvrModel model = new CvrModel(settings, BenchData.space(data, settings, samples, batch), be, batch)) {
            BatchEncoder enc = new BatchEncoder(model.featureSpace());
            EncodedBatch b = enc.newBatch(batch);
            long encodeNanos = 0;
            long stepNanos = 0;
            for (int s = -warmup; s < steps; s++) {
                if (s == 0) {
                    be.reset();
                    encodeNanos = 0;
                    stepNanos = 0;
                }
                int off = Math.floorMod(s, distinct) * batch;
                long t0 = System.nanoTime();
                enc.encode(samples, off, batch, b, true);
                long t1 = System.nanoTime();
                model.trainStep(b);
                long t2 = System.nanoTime();
                encodeNanos += t1 - t0;
                stepNanos += t2 - t1;
            }
            if (model.skippedBatches() > 0) {
                throw new IllegalStateException(model.skippedBatches() + " batches skipped: non-finite loss");
            }
            return report(data, objective, backend, extractor, steps, batch, be, encodeNanos, stepNanos) + peakGemm(be);
        }
    }

    private static String report(String data, String objective, String backend, String extractor, int steps,
            int batch, TimingBackend be, long encodeNanos, long stepNanos) {
        StringBuilder sb = new StringBuilder();
        double total = encodeNanos + stepNanos;
        sb.append(String.format(Locale.ROOT,
                "%s / %s / %s (data %s): %d steps of %d samples; train step %.2f ms (%.0f samples/s), with"
                        + " encode %.2f ms (%.0f samples/s)%n",
                objective, backend, extractor, data, steps, batch, stepNanos / 1e6 / steps,
                batch * steps / (stepNanos / 1e9), total / 1e6 / steps,
                batch * steps / (total / 1e9)));
        sb.append(line("encode (hash, dedup, standardise)", encodeNanos, steps, total));
        Map<Phase, Long> phases = new EnumMap<>(Phase.class);
        long kernels = 0;
        for (Phase p : Phase.values()) {
            long n = 0;
            for (Kernel k : p.kernels) {
                n += be.nanos(k);
            }
            phases.put(p, n);
            kernels += n;
        }
        for (Phase p : Phase.values()) {
            sb.append(line(p.label, phases.get(p), steps, total));
        }
        sb.append(line("model overhead between kernels", stepNanos - kernels, steps, total));
        long gemmNanos = 0;
        for (Kernel k : new Kernel[] {Kernel.GEMM_FORWARD, Kernel.GEMM_WEIGHT_GRAD, Kernel.GEMM_INPUT_GRAD,
                Kernel.GEMM_OTHER}) {
            gemmNanos += be.nanos(k);
        }
        if (gemmNanos > 0) {
            sb.append(String.format(Locale.ROOT,
                    "  GEMMs: %.3f MFLOP/sample at %.1f GFLOP/s; the GEMMs alone cap the step at %.0f samples/s%n",
                    be.gemmFlops() / 1e6 / steps / batch, be.gemmFlops() / (double) gemmNanos,
                    batch * steps / (gemmNanos / 1e9)));
        }
        sb.append("  by kernel:\n");
        for (Kernel k : Kernel.values()) {
            if (be.calls(k) > 0) {
                sb.append(String.format(Locale.ROOT, "    %-36s %8.3f ms/step %6.1f%%  %5.1f calls/step%n", k.label,
                        be.nanos(k) / 1e6 / steps, 100.0 * be.nanos(k) / total, (double) be.calls(k) / steps));
            }
        }
        return sb.toString();
    }

    /** The backend's GEMM rate at 1024×1024×1024 (a reference for the step's smaller shapes). */
    private static String peakGemm(TimingBackend be) {
        int n = 1024;
        try (Tensor a = be.allocate(n, n); Tensor b = be.allocate(n, n); Tensor c = be.allocate(n, n)) {
            be.fill(a, 0.5f);
            be.fill(b, 0.25f);
            int reps = be.name().equals("java") ? 1 : 10;
            be.gemm(false, false, 1f, a, b, 0f, c);
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                be.gemm(false, false, 1f, a, b, 0f, c);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return String.format(Locale.ROOT, "  reference: %s GEMM 1024×1024×1024 at %.1f GFLOP/s on this thread%n",
                    be.name(), 2.0 * n * n * n * reps / secs / 1e9);
        }
    }

    private static String line(String label, long nanos, int steps, double total) {
        return String.format(Locale.ROOT, "  %-52s %8.3f ms/step %6.1f%%%n", label, nanos / 1e6 / steps,
                100.0 * nanos / total);
    }
}
