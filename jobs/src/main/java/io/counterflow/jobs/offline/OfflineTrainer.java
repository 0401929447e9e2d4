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
 *
 * <p>With a validation file, every epoch is evaluated on it and the best epoch by the {@link SelectMetric} is kept:
 * its parameters (and numeric statistics and counters) are copied to the host when it improves on the best so far,
 * and restored into the model after the last epoch, so the model {@link #train} returns is the kept epoch's. With
 * a patience P ≥ 1, training stops after P epochs in a row without improvement. Memory: one host copy of the
 * parameters (the embedding table dominates: buckets × embedding-dim floats).
 */
public final class OfflineTrainer {
    public static final int SCHEMA_SAMPLE = 10_000;

    private final Settings settings;
    private final Backend backend;
    private final int batchSize;
    private final Set<String> numericColumns;
    private final PrintStream out;
    private SelectMetric selectMetric = SelectMetric.CTCVR_LOGLOSS;
    private int patience;

    /** Per-epoch results (validation metrics when a validation file was given), epoch 1 first. */
    public final List<EvaluationResult> epochResults = new ArrayList<>();
    /** The selection metric's value per validated epoch (epoch 1 first). */
    public final List<Double> epochMetric = new ArrayList<>();
    /** The epoch whose parameters the returned model holds (1-based; the last epoch run without validation). */
    public int keptEpoch;
    /** Epochs actually run (fewer than requested when patience stopped training). */
    public int epochsRun;
    /** Whether patience stopped training before the requested epochs. */
    public boolean stoppedEarly;
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

    /**
     * The metric that picks the kept epoch ({@link SelectMetric#LAST}: the last one) and the patience: stop after
     * this many epochs in a row without improvement (0: never stop early).
     */
    public OfflineTrainer select(SelectMetric metric, int patience) {
        if (patience < 0) {
            throw new IllegalArgumentException("--patience must be >= 0 (0: never stop early), not " + patience);
        }
        if (metric == SelectMetric.LAST && patience > 0) {
            throw new IllegalArgumentException("--patience needs a --select-metric other than last");
        }
        this.selectMetric = metric;
        this.patience = patience;
        return this;
    }

    /** The selection metric in use. */
    public SelectMetric selectMetric() {
        return selectMetric;
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
        warnNumberLikeCategoricals(head);
        return FeatureSpace.infer(head, settings.get(Settings.EMBEDDING_DIM), settings.get(Settings.BUCKETS),
                settings.get(Settings.TABLE_PER_FIELD), settings.get(Settings.HASH_SEED));
    }

    /** Batches over which the progress line's propensity diagnostics are computed. */
    static final int PROPENSITY_WINDOW = 100;

    /**
     * Warns about categorical fields whose values are all numbers and mostly distinct (e.g. a spend amount in a CSV
     * column not named in --numeric): each value gets its own embedding row, seen about once per epoch, which the
     * towers memorise (docs/weak-signal.md: held-out AUC falls after a few epochs). Only fields with a fractional
     * value count: label-encoded integer ids (Ali-CCP's) are categorical on purpose.
     */
    private void warnNumberLikeCategoricals(List<Features> head) {
        if (head.size() < 1000) {
            return;
        }
        java.util.Map<String, Set<String>> distinct = new java.util.LinkedHashMap<>();
        Set<String> nonNumeric = new java.util.HashSet<>();
        Set<String> fractional = new java.util.HashSet<>();
        for (Features f : head) {
            for (int k = 0; k < f.catNames.length; k++) {
                String name = f.catNames[k];
                if (nonNumeric.contains(name)) {
                    continue;
                }
                if (!isNumber(f.catValues[k])) {
                    nonNumeric.add(name);
                    distinct.remove(name);
                    continue;
                }
                distinct.computeIfAbsent(name, x -> new java.util.HashSet<>()).add(f.catValues[k]);
                if (Double.parseDouble(f.catValues[k]) != Math.rint(Double.parseDouble(f.catValues[k]))) {
                    fractional.add(name);
                }
            }
        }
        for (java.util.Map.Entry<String, Set<String>> e : distinct.entrySet()) {
            if (fractional.contains(e.getKey()) && e.getValue().size() * 5L > head.size()) {
                out.printf(Locale.ROOT, "warning: categorical field '%s' has %,d distinct values in the first %,d "
                        + "samples, all numbers: each value is its own embedding row, which the model memorises; if "
                        + "it is a quantity, pass --numeric %s%n", e.getKey(), e.getValue().size(), head.size(),
                        e.getKey());
            }
        }
    }

    private static boolean isNumber(String v) {
        if (v.isEmpty()) {
            return false;
        }
        try {
            return Double.isFinite(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Trains for the given epochs; evaluates on validation (may be null) after each epoch. */
    public CvrModel train(Path samples, int epochs, Path validation) throws IOException {
        FeatureSpace fs = inferSpace(samples);
        CvrModel model = new CvrModel(settings, fs, backend, batchSize);
        BatchEncoder enc = new BatchEncoder(fs);
        Progress progress = new Progress(out);
        boolean weighted = model.objective().params().contains(Propensity.EPSILON);
        PropensityWindow propensity = new PropensityWindow(PROPENSITY_WINDOW);
        epochResults.clear();
        epochMetric.clear();
        stoppedEarly = false;
        keptEpoch = 0;
        BestEpoch best = null;
        double bestValue = Double.NaN;
        int sinceBest = 0;
        int epoch;
        for (epoch = 1; epoch <= epochs; epoch++) {
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
                double vloss = selectMetric == SelectMetric.LOSS ? validationLoss(model, enc, validation) : Double.NaN;
                double value = selectMetric.value(res, vloss);
                epochResults.add(res);
                epochMetric.add(value);
                out.println("epoch " + epoch + " validation: " + res.toJson());
                if (selectMetric == SelectMetric.LAST) {
                    keptEpoch = epoch;
                } else if (selectMetric.improves(value, bestValue)) {
                    if (best == null) {
                        best = new BestEpoch(model);
                    }
                    best.capture(model);
                    bestValue = value;
                    keptEpoch = epoch;
                    sinceBest = 0;
                    out.printf(Locale.ROOT, "epoch %d %s %.6g: best so far%n", epoch, selectMetric.cliName(), value);
                } else {
                    sinceBest++;
                    out.printf(Locale.ROOT, "epoch %d %s %.6g: no improvement on epoch %d (%.6g) for %d epoch%s%n",
                            epoch, selectMetric.cliName(), value, keptEpoch, bestValue, sinceBest,
                            sinceBest == 1 ? "" : "s");
                    if (patience > 0 && sinceBest >= patience && epoch < epochs) {
                        stoppedEarly = true;
                        out.printf(Locale.ROOT, "stopping after epoch %d of %d: %s did not improve for %d epoch%s "
                                + "(--patience %d)%n", epoch, epochs, selectMetric.cliName(), sinceBest,
                                sinceBest == 1 ? "" : "s", patience);
                        epoch++;
                        break;
                    }
                }
            } else {
                keptEpoch = epoch;
            }
        }
        epochsRun = epoch - 1;
        if (validation != null && selectMetric != SelectMetric.LAST && best == null) {
            out.printf(Locale.ROOT, "%s was undefined (NaN) after every epoch: keeping the last epoch%n",
                    selectMetric.cliName());
            keptEpoch = epochsRun;
            return model;
        }
        if (best != null && keptEpoch != epochsRun) {
            best.restore(model);
        }
        if (validation != null && selectMetric != SelectMetric.LAST) {
            out.printf(Locale.ROOT, "kept epoch %d of %d run: best %s (%.6g)%s%n", keptEpoch, epochsRun,
                    selectMetric.cliName(), bestValue, keptEpoch == epochsRun ? ", the last epoch"
                            : "; later epochs did not improve on it, so its snapshot was restored");
        }
        return model;
    }

    /** The validation metrics of the kept epoch (null without validation). */
    public EvaluationResult keptResult() {
        return keptEpoch >= 1 && keptEpoch <= epochResults.size() ? epochResults.get(keptEpoch - 1) : null;
    }

    /** The objective's total loss on a samples file: forward only, batch means weighted by batch size. */
    private double validationLoss(CvrModel model, BatchEncoder enc, Path samples) throws IOException {
        EncodedBatch b = enc.newBatch(batchSize);
        LabeledSample[] buf = new LabeledSample[batchSize];
        double sum = 0;
        long n = 0;
        try (SampleFileReader r = SampleFileReader.open(samples, numericColumns, new BadInputReport())) {
            while (true) {
                int k = 0;
                LabeledSample s = null;
                while (k < batchSize && (s = r.next()) != null) {
                    buf[k++] = s;
                }
                if (k > 0) {
                    enc.encode(buf, 0, k, b, false);
                    LossTerms l = model.evaluateLoss(b);
                    sum += l.total * k;
                    n += k;
                }
                if (s == null) {
                    break;
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * A host copy of the best epoch so far: every parameter tensor (not the optimiser state: the written snapshot
     * holds parameters only), the numeric statistics and the counters.
     */
    private static final class BestEpoch {
        private final java.util.Map<String, float[]> params = new java.util.LinkedHashMap<>();
        private double[] numericState;
        private long step;
        private long skipped;
        private long trained;

        BestEpoch(CvrModel model) {
            for (java.util.Map.Entry<String, io.counterflow.model.backend.Tensor> e : model.parameters().entrySet()) {
                params.put(e.getKey(), new float[e.getValue().size()]);
            }
        }

        void capture(CvrModel model) {
            java.util.Map<String, io.counterflow.model.backend.Tensor> t = model.parameters();
            for (java.util.Map.Entry<String, float[]> e : params.entrySet()) {
                model.backend().download(t.get(e.getKey()), e.getValue(), 0);
            }
            numericState = model.featureSpace().numericState();
            step = model.step();
            skipped = model.skippedBatches();
            trained = model.trainedSamples();
        }

        /** Puts the captured parameters back; optimiser state stays as it is (the model is not trained further). */
        void restore(CvrModel model) {
            java.util.Map<String, io.counterflow.model.backend.Tensor> t = model.parameters();
            for (java.util.Map.Entry<String, float[]> e : params.entrySet()) {
                model.backend().upload(e.getValue(), 0, t.get(e.getKey()));
            }
            model.featureSpace().restoreNumericState(numericState);
            model.restoreCounters(step, skipped, trained);
        }
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
