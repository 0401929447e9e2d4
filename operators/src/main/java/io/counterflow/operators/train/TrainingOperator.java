package io.counterflow.operators.train;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.backend.TimingBackend;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.EncodedSamples;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.feedback.FeedbackCorrection;
import io.counterflow.model.metrics.PropensityWindow;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.snapshot.ModelVersion;
import io.counterflow.operators.batch.SampleBatch;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Trains a {@link CvrModel} online on {@link SampleBatch}es, at parallelism 1, and exports a serving snapshot per
 * completed checkpoint (two-phase). Emits one {@link TrainingProgress} per batch.
 *
 * <h2>Training</h2>
 * Batches arrive encoded by the {@link BatchEncodingOperator} upstream ({@link #train} wires both), which owns
 * the feature space (configured, or inferred from the first batch and then fixed; see {@link TrainingSettings})
 * and its numeric statistics. Per batch: if any numeric feature value was NaN or infinite the batch is skipped
 * before it touches anything (the statistics would otherwise absorb the value and poison every later batch);
 * else the model (created from the first batch's schema) takes the batch's numeric statistics, and each step of
 * the batch (at most the batch capacity) is scored with the current model for the running metrics (every {@code
 * eval-every}-th batch: progressive validation, predictions strictly before training on the batch) and trained
 * ({@link CvrModel#trainStep}; a non-finite loss or gradient skips the update inside the model). A batch of samples
 * (from an encoder restored without state of its own: a savepoint from before it existed) is checked and encoded
 * here with the model's feature space ({@link BatchEncoder}, training mode), as before the encoder existed; both
 * paths train the same model on the same batches.
 *
 * <h2>State and exactly-once</h2>
 * The whole training state (parameters, optimiser moments, feature space with numeric statistics, step and
 * sample counters, and this operator's own counters) is written explicitly in {@link #snapshotState} as chunked
 * operator {@code ListState<byte[]>} ({@link TrainingStateCodec}, model part in {@code ModelCheckpoint} format).
 * With exactly-once checkpoints, a restore resumes training exactly where the checkpoint left off: batches after
 * it are replayed by the upstream operators and trained once more on the restored model, so the final model equals
 * one trained without interruption on the same batch sequence (bit for bit on the {@code java} backend). Heap
 * objects between checkpoints are the model's own tensors; nothing added to state is mutated afterwards.
 *
 * <h2>Model versions</h2>
 * Before each checkpoint barrier ({@link #prepareSnapshotPreBarrier}) the operator emits the model as of that
 * checkpoint as a {@link ModelVersion} on the side output {@link #MODEL_VERSIONS} (when the model changed since the
 * last one emitted; that step is part of the checkpointed state, so a restore does not emit the same model again).
 * The version sink downstream stages it and publishes it when the checkpoint completes (Sink V2 two-phase commit),
 * so only models of completed checkpoints are published. Without checkpointing the final model is emitted at end
 * of input (checkpoint id 0).
 *
 * <h2>Metrics</h2>
 * Operator group: counters {@code trainedSamples}, {@code trainedBatches}, {@code seenSamples} (this attempt),
 * meter {@code samplesPerSecond}; gauges {@code step}, {@code trainedSamplesTotal}, {@code seenSamplesTotal}
 * (from state: continuous across restores), {@code skippedBatches} (non-finite input or loss), {@code
 * loss.{total,ctr,cvr,ctcvr,imputation,counterfactual}} (last batch), {@code clippedPropensityFraction} and
 * {@code propensity.{effectiveSampleSize,effectiveShare,maxWeight}} (IPS weights 1/ô_c of the clicked samples over
 * the last 100 trained batches; a warning is logged when the effective sample size falls under 10% of the clicks),
 * {@code feedback.{meanWeight,minWeight,maxWeight,warmupShare,delaySurvival,delayConversions}} (the labeling
 * policy's row weights since the start or restore, the share of rows weighted before the delay model was ready,
 * S(c) and the conversions the delay model has seen), {@code runningAuc.{ctr,cvr}}, {@code mean.{pctr,click,pcvrClicked,conversionClicked}} (evaluation
 * window), {@code versionsEmitted}, {@code versionFailures}, {@code lastVersionCheckpoint}.
 */
public final class TrainingOperator extends AbstractStreamOperator<TrainingProgress>
        implements OneInputStreamOperator<SampleBatch, TrainingProgress>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrainingOperator.class);

    /** Batches over which the propensity diagnostics are computed. */
    static final int PROPENSITY_WINDOW = 100;

    /** Default uid and name. */
    public static final String NAME = "trainer";

    /** Explicit type information of the versions (a POJO of primitive arrays; never Kryo). */
    public static final TypeInformation<ModelVersion> MODEL_VERSION_TYPE = Types.POJO(ModelVersion.class);

    /** The side output of model versions, one per checkpoint at which the model changed. */
    public static final OutputTag<ModelVersion> MODEL_VERSIONS = new OutputTag<>("model-versions",
            MODEL_VERSION_TYPE);

    private final TrainingSettings settings;

    private transient Backend backend;
    /** The timing decorator around {@link #backend} with {@code counterflow.train.kernel-timing}, else null. */
    private transient TimingBackend kernelTimes;
    /** Training steps taken since the last {@link #kernelReport}. */
    private transient long kernelSteps;
    /** {@code null} until the first batch (or a restore of a state that had one). */
    private transient CvrModel model;
    /** The encoder of batches of samples (created on the first one; encoded batches need none). */
    private transient BatchEncoder encoder;
    private transient EncodedBatch encoded;
    /** Reused rows of encoded batches (labels, emission, timestamps) for the metrics and the correction. */
    private transient LabeledSample[] rowPool;
    private transient TrainingStateCodec.Counters counters;
    /** The labeling policy's row weights and its delay model (checkpointed with the model). */
    private transient FeedbackCorrection correction;
    /** Counts and checksums of every received row (checkpointed; published in each version's manifest). */
    private transient SampleAudit audit;
    /** Gauge copies of the correction's statistics (read by the metric reporter's thread). */
    private transient volatile double feedbackMean;
    private transient volatile double feedbackMin;
    private transient volatile double feedbackMax;
    private transient volatile double feedbackWarmupShare;
    private transient volatile double delaySurvival;
    private transient volatile long delayConversions;
    private transient ListState<byte[]> state;
    private transient RunningMetrics running;
    /** Sees each step's forward logits: running metrics and delayed-feedback weights from one forward pass. */
    private transient Prequential prequential;
    private transient float[] pCtr;
    private transient float[] pCvr;
    /** Scratch directory where each version's files are written before they are read into the record. */
    private transient Path stagingRoot;
    /** The newest checkpoint id seen (restored or at a barrier). */
    private transient long lastCheckpointId;
    /** The last progress log line: when (System.nanoTime) and the samples trained by then. */
    private transient long lastLogNanos;
    private transient long lastLogTrained;

    // Mirrors of task-thread values for metric reporter threads.
    private transient volatile long stepGauge;
    private transient volatile long trainedTotalGauge;
    private transient volatile long seenTotalGauge;
    private transient volatile long skippedGauge;
    private transient volatile long lastVersionCheckpoint;
    private transient volatile double clippedFraction;
    /** IPS weight diagnostics over the last {@link #PROPENSITY_WINDOW} trained batches. */
    private transient PropensityWindow propensity;
    private transient volatile double essShare;
    private transient volatile double ess;
    private transient volatile double maxWeight;
    private transient boolean lowEssWarned;
    private transient volatile double[] lastLoss;
    private transient Counter trainedSamples;
    private transient Counter trainedBatches;
    private transient Counter seenSamples;
    private transient Counter versionsEmitted;
    private transient Counter versionFailures;

    public TrainingOperator(TrainingSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Wires the trainer: {@code batches} → the {@link BatchEncodingOperator} (uid and name {@value
     * BatchEncodingOperator#NAME}, parallelism 1, chained to its input when that runs at parallelism 1) → this
     * operator at parallelism 1, uid and name {@value #NAME}, in its own task; its model versions are {@code
     * getSideOutput(MODEL_VERSIONS)} of the result.
     */
    public static SingleOutputStreamOperator<TrainingProgress> train(DataStream<SampleBatch> batches,
            TrainingSettings settings) {
        SingleOutputStreamOperator<SampleBatch> encoded = batches
                .transform(BatchEncodingOperator.NAME, SampleBatch.TYPE_INFO, new BatchEncodingOperator(settings))
                .uid(BatchEncodingOperator.NAME).name(BatchEncodingOperator.NAME).setParallelism(1);
        return encoded.transform(NAME, TrainingProgress.TYPE_INFO, new TrainingOperator(settings))
                .uid(NAME).name(NAME).setParallelism(1);
    }

    /** The delayed-feedback correction (tests). */
    FeedbackCorrection correction() {
        return correction;
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        backend = Backends.create(settings.backend());
        if (settings.kernelTiming()) {
            backend = kernelTimes = new TimingBackend(backend);
        }
        counters = new TrainingStateCodec.Counters();
        correction = new FeedbackCorrection(settings.labeling(), settings.attributionWindowMs(),
                settings.labelingElapsedMs());
        audit = new SampleAudit();
        state = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("training-state", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        lastCheckpointId = context.getRestoredCheckpointId().orElse(0L);
        if (context.isRestored()) {
            TrainingStateCodec.Restored r = TrainingStateCodec.read(state.get(), backend, settings.batchCapacity(),
                    correction, audit);
            if (r != null) {
                counters = r.counters;
                if (r.model != null) {
                    useModel(r.model);
                    warnIfSettingsDiffer(r.model);
                    LOG.info("Restored training state: step {}, {} samples trained, {} seen, feature space {}",
                            model.step(), model.trainedSamples(), counters.seenSamples, model.featureSpace());
                }
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        if (parallelism != 1) {
            throw new IllegalStateException("TrainingOperator must run at parallelism 1 (got " + parallelism
                    + "): it holds one model; scale the label join and the sources instead");
        }
        running = new RunningMetrics(settings.evalWindow());
        prequential = new Prequential();
        pCtr = new float[settings.batchCapacity()];
        pCvr = new float[settings.batchCapacity()];
        lastVersionCheckpoint = -1;
        lastLoss = new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        clippedFraction = Double.NaN;
        propensity = new PropensityWindow(PROPENSITY_WINDOW);
        feedbackMean = feedbackMin = feedbackMax = feedbackWarmupShare = delaySurvival = Double.NaN;
        essShare = Double.NaN;
        ess = Double.NaN;
        maxWeight = Double.NaN;
        Path base = settings.stagingDir().isEmpty() ? Paths.get(System.getProperty("java.io.tmpdir"))
                : Paths.get(settings.stagingDir());
        Files.createDirectories(base);
        stagingRoot = Files.createTempDirectory(base, "counterflow-staging-");
        registerMetrics(getMetricGroup());
        refreshGauges();
        lastLogNanos = System.nanoTime();
        lastLogTrained = trainedTotalGauge;
    }

    private void registerMetrics(MetricGroup g) {
        trainedSamples = g.counter("trainedSamples");
        trainedBatches = g.counter("trainedBatches");
        seenSamples = g.counter("seenSamples");
        versionsEmitted = g.counter("versionsEmitted");
        versionFailures = g.counter("versionFailures");
        g.meter("samplesPerSecond", new MeterView(trainedSamples, 10));
        g.gauge("step", () -> stepGauge);
        g.gauge("trainedSamplesTotal", () -> trainedTotalGauge);
        g.gauge("seenSamplesTotal", () -> seenTotalGauge);
        g.gauge("skippedBatches", () -> skippedGauge);
        g.gauge("lastVersionCheckpoint", () -> lastVersionCheckpoint);
        g.gauge("clippedPropensityFraction", () -> clippedFraction);
        MetricGroup fb = g.addGroup("feedback");
        fb.gauge("meanWeight", () -> feedbackMean);
        fb.gauge("minWeight", () -> feedbackMin);
        fb.gauge("maxWeight", () -> feedbackMax);
        fb.gauge("warmupShare", () -> feedbackWarmupShare);
        fb.gauge("delaySurvival", () -> delaySurvival);
        fb.gauge("delayConversions", () -> delayConversions);
        MetricGroup prop = g.addGroup("propensity");
        prop.gauge("effectiveSampleSize", () -> ess);
        prop.gauge("effectiveShare", () -> essShare);
        prop.gauge("maxWeight", () -> maxWeight);
        MetricGroup loss = g.addGroup("loss");
        String[] names = {"total", "ctr", "cvr", "ctcvr", "imputation", "counterfactual"};
        for (int i = 0; i < names.length; i++) {
            int k = i;
            loss.gauge(names[i], () -> lastLoss[k]);
        }
        MetricGroup auc = g.addGroup("runningAuc");
        auc.gauge("ctr", () -> running.aucCtr);
        auc.gauge("cvr", () -> running.aucCvr);
        MetricGroup mean = g.addGroup("mean");
        mean.gauge("pctr", () -> running.meanPctr);
        mean.gauge("click", () -> running.meanClick);
        mean.gauge("pcvrClicked", () -> running.meanPcvrClicked);
        mean.gauge("conversionClicked", () -> running.meanConversionClicked);
    }

    @Override
    public void close() throws Exception {
        // Runs after normal completion and after failures alike: release native memory and staging files.
        try {
            if (stagingRoot != null) {
                deleteQuietly(stagingRoot);
            }
        } finally {
            if (model != null) {
                model.close();
                model = null;
            }
            if (backend != null) {
                backend.close();
                backend = null;
            }
            super.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ training

    @Override
    public void processElement(StreamRecord<SampleBatch> record) throws Exception {
        SampleBatch batch = record.getValue();
        TrainingProgress p = batch.encoded != null ? trainEncoded(batch.encoded) : trainSamples(batch);
        refreshGauges();
        p.step = model == null ? 0 : model.step();
        p.seenBatches = counters.seenBatches;
        p.seenSamples = counters.seenSamples;
        p.trainedSamples = model == null ? 0 : model.trainedSamples();
        p.skippedBatches = skippedBatches();
        p.runningAucCtr = running.aucCtr;
        p.runningAucCvr = running.aucCvr;
        output.collect(new StreamRecord<>(p, record.getTimestamp()));
        // Nothing keeps the batch's arrays (metrics, audit and correction copy what they need): the next batch
        // read from the network reuses them, so the trainer's thread allocates nothing per batch.
        batch.release();
        maybeLogProgress();
    }

    /**
     * A batch the encoder upstream encoded: the model is created from its schema, takes its numeric statistics (the
     * encoder's after this batch), and trains on its steps; the rows' columns feed the audit, the running metrics
     * and the delayed-feedback correction through reused row objects (nothing allocated per sample).
     */
    private TrainingProgress trainEncoded(EncodedSamples e) {
        int n = e.n;
        counters.seenBatches++;
        counters.seenSamples += n;
        seenSamples.inc(n);
        audit.addAll(e);
        TrainingProgress p = new TrainingProgress();
        p.batchSamples = n;
        for (int i = 0; i < n; i++) {
            p.batchClicks += e.click[i];
        }
        if (e.nonFinite) {
            skipNonFinite(p, n);
            return p;
        }
        if (model == null) {
            FeatureSpace space = e.space();
            LOG.info("Model created with the batch encoder's feature space: {}", space);
            useModel(new CvrModel(settings.model(), space, backend, settings.batchCapacity()));
        } else if (!e.sameSchema(model.featureSpace())) {
            throw new IllegalStateException("the batch encoder's feature space (categorical "
                    + java.util.Arrays.toString(e.catFields) + ", multi-valued "
                    + java.util.Arrays.toString(e.multiFields) + ", numeric " + java.util.Arrays.toString(e.numFields)
                    + ") differs from the model's (" + model.featureSpace() + "): their states come from different"
                    + " jobs");
        }
        model.featureSpace().restoreNumericState(e.numericState);
        LabeledSample[] r = rows(e);
        boolean score = settings.evalEvery() > 0 && counters.seenBatches % settings.evalEvery() == 0;
        p.trained = true;
        for (int k = 0, off = 0; k < e.steps.length; off += e.steps[k].n, k++) {
            p.trained &= step(e.steps[k], r, off, e.steps[k].n, score, p);
        }
        if (score) {
            running.maybeRefresh();
        }
        return p;
    }

    /** The rows of {@code e} as reused sample objects (labels, emission, timestamps; no features). */
    private LabeledSample[] rows(EncodedSamples e) {
        if (rowPool == null || rowPool.length < e.n) {
            rowPool = new LabeledSample[Math.max(e.n, settings.batchCapacity())];
            for (int i = 0; i < rowPool.length; i++) {
                rowPool[i] = new LabeledSample();
            }
        }
        for (int i = 0; i < e.n; i++) {
            LabeledSample s = rowPool[i];
            s.click = e.click[i];
            s.conversion = e.conversion[i];
            s.emission = e.emission(i);
            s.clickTs = e.clickTs[i];
            s.conversionTs = e.conversionTs[i];
        }
        return rowPool;
    }

    private void skipNonFinite(TrainingProgress p, int n) {
        counters.nonFiniteInputBatches++;
        LOG.warn("Skipped batch {} ({} samples): a numeric feature value is NaN or infinite",
                counters.seenBatches, n);
        p.trained = false;
        p.loss = p.lossCtr = p.lossCvr = p.lossCtcvr = p.lossImputation = p.lossCounterfactual = Double.NaN;
    }

    /** A batch of samples (a job restored from a state without the encoder's): encoded here, as before. */
    private TrainingProgress trainSamples(SampleBatch batch) {
        LabeledSample[] samples = batch.samples;
        int n = batch.count;
        counters.seenBatches++;
        counters.seenSamples += n;
        seenSamples.inc(n);
        audit.addAll(samples, 0, n);
        TrainingProgress p = new TrainingProgress();
        p.batchSamples = n;
        for (int i = 0; i < n; i++) {
            p.batchClicks += samples[i].click;
        }
        if (!EncodedSamples.finite(samples, n)) {
            skipNonFinite(p, n);
        } else {
            if (model == null) {
                createModel(samples, n);
            }
            boolean score = settings.evalEvery() > 0 && counters.seenBatches % settings.evalEvery() == 0;
            p.trained = true;
            int cap = settings.batchCapacity();
            for (int off = 0; off < n; off += cap) {
                p.trained &= trainStep(samples, off, Math.min(cap, n - off), score, p);
            }
            if (score) {
                running.maybeRefresh();
            }
        }
        return p;
    }

    /** One INFO line at most every {@code counterflow.train.log-interval}: where training stands. */
    private void maybeLogProgress() {
        long now = System.nanoTime();
        long elapsed = now - lastLogNanos;
        if (elapsed < settings.logIntervalMs() * 1_000_000L) {
            return;
        }
        long trained = trainedTotalGauge;
        LOG.info(String.format(java.util.Locale.ROOT, "Training: step %d, %d samples trained (%.0f/s), %d seen,"
                + " %d skipped batches, loss %.4f, running AUC ctr %.4f cvr %.4f, last model version at checkpoint %s",
                stepGauge, trained, (trained - lastLogTrained) / (elapsed / 1e9), seenTotalGauge, skippedGauge,
                lastLoss[0], running.aucCtr, running.aucCvr,
                lastVersionCheckpoint < 0 ? "none yet" : String.valueOf(lastVersionCheckpoint)));
        if (kernelTimes != null) {
            LOG.info(kernelReport());
        }
        lastLogNanos = now;
        lastLogTrained = trained;
    }

    /**
     * With {@code counterflow.train.kernel-timing}: milliseconds per training step by kernel since the previous
     * report (then reset), as logged with each progress line; null without it.
     */
    String kernelReport() {
        if (kernelTimes == null) {
            return null;
        }
        long batches = kernelSteps;
        StringBuilder sb = new StringBuilder("Training kernels, ms per step over ").append(batches).append(" steps:");
        long total = 0;
        for (TimingBackend.Kernel k : TimingBackend.Kernel.values()) {
            if (kernelTimes.calls(k) > 0) {
                total += kernelTimes.nanos(k);
                sb.append(String.format(java.util.Locale.ROOT, " %s %.3f;", k.label,
                        kernelTimes.nanos(k) / 1e6 / Math.max(1, batches)));
            }
        }
        sb.append(String.format(java.util.Locale.ROOT, " all kernels %.3f", total / 1e6 / Math.max(1, batches)));
        kernelTimes.reset();
        kernelSteps = 0;
        return sb.toString();
    }

    /** One optimiser step on samples[off, off+n), encoded here; returns whether it was applied. */
    private boolean trainStep(LabeledSample[] samples, int off, int n, boolean score, TrainingProgress p) {
        if (encoder == null) { // only a job restored without the encoder's state encodes here
            encoder = new BatchEncoder(model.featureSpace());
            encoded = encoder.newBatch(settings.batchCapacity());
        }
        encoder.encode(samples, off, n, encoded, true);
        return step(encoded, samples, off, n, score, p);
    }

    /**
     * One optimiser step on {@code input}, the encoding of rows[off, off+n) (only their labels, emission and
     * timestamps are read); returns whether it was applied.
     */
    private boolean step(EncodedBatch input, LabeledSample[] samples, int off, int n, boolean score,
            TrainingProgress p) {
        prequential.set(samples, off, n, score);
        // One forward pass: the step's own logits are the prediction before the update (running metrics and the
        // delayed-feedback weights, a constant in the loss).
        long stepBefore = model.step();
        LossTerms l = model.trainStep(input, score || correction.corrects() ? prequential : null);
        kernelSteps++;
        boolean applied = model.step() > stepBefore;
        if (correction.corrects()) {
            feedbackMean = correction.meanWeight();
            feedbackMin = correction.minWeight();
            feedbackMax = correction.maxWeight();
            feedbackWarmupShare = correction.weightedRows() == 0 ? Double.NaN
                    : (double) correction.warmupRows() / correction.weightedRows();
            delaySurvival = correction.lastSurvival();
            delayConversions = correction.delayModel().conversions();
        }
        p.loss = l.total;
        p.lossCtr = l.ctr;
        p.lossCvr = l.cvr;
        p.lossCtcvr = l.ctcvr;
        p.lossImputation = l.imputation;
        p.lossCounterfactual = l.counterfactual;
        p.clippedPropensities += l.clippedPropensities;
        lastLoss = new double[] {l.total, l.ctr, l.cvr, l.ctcvr, l.imputation, l.counterfactual};
        if (applied) {
            trainedSamples.inc(n);
            trainedBatches.inc();
            propensity.add(l);
            clippedFraction = propensity.clipFraction();
            ess = propensity.effectiveSampleSize();
            essShare = propensity.effectiveShare();
            maxWeight = propensity.maxWeight();
            boolean low = propensity.batches() == PROPENSITY_WINDOW && propensity.lowEffectiveSampleSize();
            if (low && !lowEssWarned) {
                LOG.warn("IPS weights over the last {} batches: effective sample size {} is under {}% of the clicks "
                        + "({}): a few clicks with tiny pCTR carry the CVR loss; consider a larger propensity-clip",
                        PROPENSITY_WINDOW, String.format(java.util.Locale.ROOT, "%.1f", ess),
                        (int) (100 * PropensityWindow.LOW_ESS_SHARE), propensity.summary());
            }
            lowEssWarned = low;
        } else {
            LOG.warn("Skipped a step at batch {}: non-finite loss or gradient ({})", counters.seenBatches, l);
        }
        return applied;
    }

    /**
     * The step's hook: turns the CTR and CVR logits of the forward pass into probabilities, adds them to the running
     * metrics (a prediction before the update: prequential) and sets the rows' delayed-feedback weights. Mutable
     * and reused: nothing is allocated per step.
     */
    private final class Prequential implements CvrModel.LogitsHook {
        private LabeledSample[] samples;
        private int off;
        private int n;
        private boolean score;

        void set(LabeledSample[] samples, int off, int n, boolean score) {
            this.samples = samples;
            this.off = off;
            this.n = n;
            this.score = score;
        }

        @Override
        public void beforeLoss(float[][] logits, EncodedBatch b) {
            float[] zCtr = logits[io.counterflow.model.objective.Head.CTR.ordinal()];
            float[] zCvr = logits[io.counterflow.model.objective.Head.CVR.ordinal()];
            for (int i = 0; i < n; i++) {
                pCtr[i] = (float) io.counterflow.model.objective.AbstractObjective.sigmoid(zCtr[i]);
                pCvr[i] = (float) io.counterflow.model.objective.AbstractObjective.sigmoid(zCvr[i]);
            }
            if (score) {
                for (int i = 0; i < n; i++) {
                    LabeledSample s = samples[off + i];
                    running.add(pCtr[i], pCvr[i], s.click, s.conversion);
                }
            }
            correction.weigh(samples, off, n, pCvr, b);
        }
    }

    private void createModel(LabeledSample[] samples, int n) {
        useModel(new CvrModel(settings.model(), featureSpace(settings, samples, n), backend,
                settings.batchCapacity()));
    }

    /**
     * The feature space of a new model: the configured one, or one inferred from its first batch samples[0, n)
     * and then fixed (the batch encoder's and, for a job restored without the encoder, this operator's).
     */
    static FeatureSpace featureSpace(TrainingSettings settings, LabeledSample[] samples, int n) {
        Settings s = settings.model();
        int dim = s.get(Settings.EMBEDDING_DIM);
        int buckets = s.get(Settings.BUCKETS);
        boolean perField = s.get(Settings.TABLE_PER_FIELD);
        long seed = s.get(Settings.HASH_SEED);
        FeatureSpace space;
        if (settings.infersFeatureSpace()) {
            List<Features> first = new AbstractList<>() {
                @Override
                public Features get(int i) {
                    return samples[i].features;
                }

                @Override
                public int size() {
                    return n;
                }
            };
            space = FeatureSpace.infer(first, dim, buckets, perField, seed);
            LOG.info("Feature space inferred from the first batch ({} samples) and fixed from now on: {}", n, space);
        } else {
            space = new FeatureSpace(settings.categoricalFields(), settings.multiValuedFields(),
                    settings.numericFields(), dim, buckets, perField, seed);
            LOG.info("Feature space from configuration: {}", space);
        }
        return space;
    }

    private void useModel(CvrModel m) {
        model = m;
        encoder = null;
        encoded = null;
    }

    private void warnIfSettingsDiffer(CvrModel restored) {
        Map<String, Object> configured = settings.model().toJsonMap();
        Map<String, Object> inState = restored.settings().toJsonMap();
        // Entry by entry with deepEquals: some values are arrays (towers), whose toString is their identity.
        java.util.Set<String> differing = new java.util.TreeSet<>();
        java.util.Set<String> keys = new java.util.TreeSet<>(configured.keySet());
        keys.addAll(inState.keySet());
        for (String k : keys) {
            if (!java.util.Objects.deepEquals(configured.get(k), inState.get(k))) {
                differing.add(k);
            }
        }
        if (!differing.isEmpty()) {
            LOG.warn("The restored model's settings differ from the configured ones in {}; the restored ones are used"
                    + " (the architecture is part of the state)", differing);
        }
    }

    private long skippedBatches() {
        return counters.nonFiniteInputBatches + (model == null ? 0 : model.skippedBatches());
    }

    private void refreshGauges() {
        stepGauge = model == null ? 0 : model.step();
        trainedTotalGauge = model == null ? 0 : model.trainedSamples();
        seenTotalGauge = counters.seenSamples;
        skippedGauge = skippedBatches();
    }

    @Override
    public void endInput() throws Exception {
        // Nothing can be emitted after the input ends (not even before the final checkpoint's barrier): the final
        // model's version goes now; the sink commits it with the final checkpoint (or at once without
        // checkpointing). It is named after the checkpoint that follows the last one seen.
        emitVersion(getOperatorConfig().isCheckpointingEnabled() ? lastCheckpointId + 1 : 0L);
    }

    // ------------------------------------------------------------------------------------------------ checkpoints

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        lastCheckpointId = Math.max(lastCheckpointId, checkpointId);
        emitVersion(checkpointId); // before the barrier: the sink stages it as part of this checkpoint
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.update(TrainingStateCodec.write(counters, model, correction, audit));
    }

    /** Emits the model as of {@code checkpointId} when it changed since the last version emitted. */
    private void emitVersion(long checkpointId) {
        if (model == null || model.step() == counters.lastEmittedStep) {
            return;
        }
        Path scratch = stagingRoot.resolve("cp-" + checkpointId);
        try {
            deleteQuietly(scratch);
            ModelVersion v = ModelVersion.of(model, checkpointId, info(checkpointId), scratch);
            output.collect(MODEL_VERSIONS, new StreamRecord<>(v));
            counters.lastEmittedStep = model.step();
            versionsEmitted.inc();
            lastVersionCheckpoint = checkpointId;
        } catch (IOException | RuntimeException e) {
            // The training state is what recovery needs; a missing version only delays publishing.
            versionFailures.inc();
            LOG.warn("Could not write the model version of checkpoint {}", checkpointId, e);
            deleteQuietly(scratch);
        }
    }

    private Map<String, Object> info(long checkpointId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checkpoint_id", checkpointId);
        m.put("step", model.step());
        m.put("trained_samples", model.trainedSamples());
        m.put("seen_samples", counters.seenSamples);
        m.put("seen_batches", counters.seenBatches);
        m.put("skipped_batches", skippedBatches());
        running.refresh();
        putFinite(m, "running_auc_ctr", running.aucCtr);
        putFinite(m, "running_auc_cvr", running.aucCvr);
        putFinite(m, "mean_pctr", running.meanPctr);
        putFinite(m, "mean_click", running.meanClick);
        putFinite(m, "mean_pcvr_clicked", running.meanPcvrClicked);
        putFinite(m, "mean_conversion_clicked", running.meanConversionClicked);
        putFinite(m, "loss", lastLoss[0]);
        m.put("audit", audit.toInfo());
        return m;
    }

    private static void putFinite(Map<String, Object> m, String key, double v) {
        if (Double.isFinite(v)) {
            m.put(key, v);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}", dir, e);
        }
    }

    // ------------------------------------------------------------------------------------------------ test hooks

    /** The model (null before the first batch); for tests. */
    CvrModel model() {
        return model;
    }

    SampleAudit audit() {
        return audit;
    }

    long seenSamplesTotal() {
        return counters.seenSamples;
    }
}
