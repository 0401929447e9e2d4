package io.counterflow.jobs.eval;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.feedback.Labeling;
import io.counterflow.model.settings.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The streaming evaluation protocol of the delayed-feedback papers over a generated world, for a list of
 * policies and seeds (docs/delayed-feedback.md): each run trains in emission order on the policy's rows and, at
 * the start of every slice, scores that slice's impressions with their final labels; the pooled metrics after
 * warm-up go into one table (mean ± sd over seeds), the daily ones into series and charts.
 */
public final class FeedbackEvaluation {
    private final Path worldDir;
    private final List<Labeling> policies;
    private final List<Long> seeds;
    private final long elapsedMs;
    private final long sliceMs;
    private final long warmupMs;
    private final int batchSize;
    private final String backend;
    private final Settings settings;

    public FeedbackEvaluation(Path worldDir, List<Labeling> policies, List<Long> seeds, long elapsedMs, long sliceMs,
            long warmupMs, int batchSize, String backend, Settings settings) {
        this.worldDir = worldDir;
        this.policies = policies;
        this.seeds = seeds;
        this.elapsedMs = elapsedMs;
        this.sliceMs = sliceMs;
        this.warmupMs = warmupMs;
        this.batchSize = batchSize;
        this.backend = backend;
        this.settings = settings;
    }

    /** Runs every policy × seed and writes the report; returns it. */
    public void run(Path reportDir, PrintStream out) throws IOException {
        World w = World.read(worldDir);
        out.printf(Locale.ROOT, "world %s: %,d impressions, click window %d min, attribution window %.1f days%n",
                worldDir, w.impressions.length, w.clickWindowMs / 60_000, w.attributionWindowMs / 86_400_000.0);
        Report report = new Report();
        for (Labeling p : policies) {
            for (long seed : seeds) {
                Settings s = settings.copy().set(Settings.SEED, seed);
                try (Backend be = Backends.create(backend)) {
                    PolicyRun r = PolicyRun.run(w, p, elapsedMs, s, be, batchSize, sliceMs, warmupMs);
                    report.add(p.cliName(), seed, r);
                    double[] m = Report.metrics(r.pooled);
                    out.printf(Locale.ROOT, "%-7s seed %d: %,d rows, cvr nll %.4f calib %.3f, ctcvr nll %.4f auc %.4f,"
                            + " ctr auc %.4f  (%.0f s)%n", p.cliName(), seed, r.rows, m[3], m[4], m[6], m[5], m[0],
                            r.seconds);
                }
            }
        }
        String header = String.format(Locale.ROOT, "Labeling policies on %s (%,d impressions; objective %s, batch %d, "
                + "slice %d min, warm-up %.1f days left out, elapsed c = %d min; mean ± sd over seeds %s)",
                worldDir.getFileName(), w.impressions.length, settings.get(Settings.OBJECTIVE), batchSize,
                sliceMs / 60_000, warmupMs / 86_400_000.0, elapsedMs / 60_000, seeds);
        report.write(reportDir, header, out);
    }
}
