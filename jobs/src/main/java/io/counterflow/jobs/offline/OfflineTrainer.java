package io.counterflow.jobs.offline;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.io.BadInputReport;
import io.counterflow.model.io.SampleFileReader;
import io.counterflow.model.metrics.Evaluation;
import io.counterflow.model.metrics.EvaluationResult;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.metrics.PropensityWindow;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.Propensity;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.snapshot.CvrScorer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Trains a model on a samples file for a number of epochs, in file order (the order an online learner sees),
 * re-reading the file each epoch so memory stays constant. The feature space is inferred from the first
 * {@value #SCHEMA_SAMPLE} samples; numeric statistics are accumulated during the first epoch only.
 */
public final class OfflineTrainer {
    public static final int SCHEMA_SAMPLE = 10_000;

    private final Settings settings;
    private final Backend backend;
    private final int batchSize;
    private final Set<String> numericColumns;
    private final PrintStream out;

    /** Per-epoch results (validation metrics when a validation file was given). */
    public final List<EvaluationResult> epochResults = new ArrayList<>();
    /** Samples/s of the last epoch, parsing included. */
    public double lastEpochSamplesPerSecond;
    public BadInputReport lastReport;

    public OfflineTrainer(Settings settings, Backend backend, int batchSize, Set<String> numericColumns,
            PrintStream out) {
        this.settings = settings;
        this.backend = backend;
        this.batchSize = batchSize;
        this.numericColumns = numericColumns;
        this.out = out;
    }

    /** Infers the feature space from the head of the file. */
    public FeatureSpace inferSpace(Path samples) throws IOException {
        List<Features> head = new ArrayList<>();
        try (SampleFileReader r = SampleFileReader.open(samples, numericColumns, new BadInputReport())) {
            LabeledSample s;
            while (head.size() < SCHEMA_SAMPLE && (s = r.next()) != null) {
                head.add(s.features);
            }
        }
        if (head.isEmpty()) {
            throw new IllegalArgumentException(samples + ": no valid samples to infer the feature space from");
        }
        return FeatureSpace.infer(head, settings.get(Settings.EMBEDDING_DIM), settings.get(Settings.BUCKETS),
                settings.get(Settings.TABLE_PER_FIELD), settings.get(Settings.HASH_SEED));
    }

    /** Batches over which the progress line's propensity diagnostics are computed. */
    static final int PROPENSITY_WINDOW = 100;

    /** Trains for the given epochs; evaluates on validation (may be null) after each epoch. */
    public CvrModel train(Path samples, int epochs, Path validation) throws IOException {
        FeatureSpace fs = inferSpace(samples);
        CvrModel model = new CvrModel(settings, fs, backend, batchSize);
        BatchEncoder enc = new BatchEncoder(fs);
        Progress progress = new Progress(out);
        boolean weighted = model.objective().params().contains(Propensity.EPSILON);
        PropensityWindow propensity = new PropensityWindow(PROPENSITY_WINDOW);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            BadInputReport report = new BadInputReport();
            long t0 = System.nanoTime();
            long n = 0;
            double lossSum = 0;
            int lossBatches = 0;
            LossTerms last;
            // Parsing and encoding run on a reader thread, training on this one; batches travel through two
            // bounded queues (filled, then recycled), in file order, so results are the same as sequential.
            Reader reader = new Reader(samples, numericColumns, report, enc, batchSize, epoch == 1);
            reader.start();
            try {
                EncodedBatch b;
                while ((b = reader.filled.take()) != Reader.END) {
                    last = model.trainStep(b);
                    propensity.add(last);
                    lossSum += last.total;
                    lossBatches++;
                    n += b.n;
                    double sec = (System.nanoTime() - t0) / 1e9;
                    progress.update(String.format(Locale.ROOT,
                            "epoch %d/%d  %,d samples  %s samples/s  loss %.4f (ctr %.4f cvr %.4f ctcvr %.4f imp %.4f cf %.4f)  skipped %d%s",
                            epoch, epochs, n, Progress.rate(n / Math.max(sec, 1e-9)), lossSum / lossBatches,
                            last.ctr, last.cvr, last.ctcvr, last.imputation, last.counterfactual,
                            model.skippedBatches(), weighted ? "  " + propensity.summary() : ""), false);
                    reader.free.put(b);
                }
                reader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reader.interrupt();
                throw new IOException("interrupted", e);
            }
            if (reader.error != null) {
                model.close();
                if (reader.error instanceof IOException) {
                    throw (IOException) reader.error;
                }
                throw new IOException(samples + ": " + reader.error, reader.error);
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            lastEpochSamplesPerSecond = n / Math.max(sec, 1e-9);
            lastReport = report;
            progress.update(String.format(Locale.ROOT, "epoch %d/%d  %,d samples in %.1f s (%s samples/s, parsing "
                    + "included)  mean loss %.5f  skipped batches %d", epoch, epochs, n, sec,
                    Progress.rate(lastEpochSamplesPerSecond), lossBatches == 0 ? Double.NaN : lossSum / lossBatches,
                    model.skippedBatches()), true);
            progress.done();
            if (weighted && propensity.lowEffectiveSampleSize()) {
                out.println("warning: IPS weights over the last " + propensity.batches() + " batches: "
                        + propensity.summary() + "; the effective sample size is under "
                        + (int) (100 * PropensityWindow.LOW_ESS_SHARE) + "% of the clicks (consider a larger "
                        + "--propensity-clip)");
            }
            if (report.bad() > 0) {
                out.println(samples.getFileName() + ": " + report.summary());
            }
            if (n == 0) {
                model.close();
                throw new IllegalArgumentException(samples + ": no valid samples (" + report.summary() + ")");
            }
            if (validation != null) {
                EvaluationResult res = evaluate(model, validation, numericColumns, null);
                epochResults.add(res);
                out.println("epoch " + epoch + " validation: " + res.toJson());
            }
        }
        return model;
    }

    /** Parses and encodes batches of a samples file on its own thread. */
    private static final class Reader extends Thread {
        static final EncodedBatch END = new EncodedBatch(1, 0, 0, 0);
        final java.util.concurrent.BlockingQueue<EncodedBatch> free = new java.util.concurrent.ArrayBlockingQueue<>(3);
        final java.util.concurrent.BlockingQueue<EncodedBatch> filled = new java.util.concurrent.ArrayBlockingQueue<>(4);
        private final Path file;
        private final BadInputReport report;
        private final BatchEncoder enc;
        private final int batchSize;
        private final boolean updateStatistics;
        volatile Throwable error;

        private final Set<String> numeric;

        Reader(Path file, Set<String> numeric, BadInputReport report, BatchEncoder enc, int batchSize,
                boolean updateStatistics) {
            super("counterflow-reader");
            setDaemon(true);
            this.file = file;
            this.numeric = numeric;
            this.report = report;
            this.enc = enc;
            this.batchSize = batchSize;
            this.updateStatistics = updateStatistics;
            for (int i = 0; i < 3; i++) {
                free.add(enc.newBatch(batchSize));
            }
        }

        @Override
        public void run() {
            LabeledSample[] buf = new LabeledSample[batchSize];
            try (SampleFileReader r = SampleFileReader.open(file, numeric, report)) {
                while (true) {
                    int k = 0;
                    LabeledSample s = null;
                    while (k < batchSize && (s = r.next()) != null) {
                        buf[k++] = s;
                    }
                    if (k > 0) {
                        EncodedBatch b = free.take();
                        enc.encode(buf, 0, k, b, updateStatistics);
                        filled.put(b);
                    }
                    if (s == null) {
                        break;
                    }
                }
            } catch (Throwable t) {
                error = t;
            } finally {
                try {
                    filled.put(END);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Evaluates a model on a samples file. */
    public static EvaluationResult evaluate(CvrModel model, Path samples, Set<String> numeric, BadInputReport report)
            throws IOException {
        BadInputReport rep = report == null ? new BadInputReport() : report;
        Evaluation ev = new Evaluation(model.settings().get(Propensity.EPSILON));
        try (SampleFileReader r = SampleFileReader.open(samples, numeric, rep)) {
            BatchScoring.scoreAll(CvrScorer.of(model), r::next, ev::add);
        }
        return ev.result();
    }
}
