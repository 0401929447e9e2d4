package io.counterflow.model.nn;

import io.counterflow.model.backend.AdamStep;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.objective.AbstractObjective;
import io.counterflow.model.objective.EibObjective;
import io.counterflow.model.objective.Head;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.Objective;
import io.counterflow.model.objective.Phase;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The CVR model: embedding input → extractor (shared-bottom, MMoE or PLE) → the towers of the heads its
 * {@link Objective} asks for (see {@link Architecture}) → objective on the host, trained with
 * hand-written backward passes and Adam (dense) plus lazy Adam or Adagrad (the embedding rows a batch
 * touches). Every tensor lives on the backend; the model only sequences kernel calls.
 *
 * <p>Lifecycle: construct, then any number of {@link #trainStep} / {@link #predict} calls on batches encoded for
 * its {@link FeatureSpace}, then {@link #close}. Single-threaded. {@link #tensors()} exposes parameters and
 * optimiser state by stable names for snapshots and checkpoints; {@link #step()} counts applied updates.
 */
public final class CvrModel implements AutoCloseable {
    private final Settings settings;
    private final Objective objective;
    private final Architecture arch;
    private final FeatureSpace space;
    private final Backend be;
    private final int capacity;
    private final LossTerms loss = new LossTerms();
    private final boolean adagrad;
    /** output-bias-init: first-batch, prior or zero. */
    private final String biasInit;
    private final AdamStep denseStep;
    private final AdamStep embedStep;

    private final Tensor table;
    private final Tensor tableM;
    private final Tensor tableV;
    private Tensor gradRows;
    private final Tensor x;
    private final Tensor dx;

    private final Extractor extractor;
    /** Towers by task: 0 CTR, 1 CVR (the twin tower's trunk with a counterfactual head), 2 imputation. */
    private final Tower[] towers;
    private final Tower factualHead;
    private final Tower counterfactualHead;
    private final Dense wideFactual;
    private final Dense wideCounterfactual;

    /** Every layer, in {@link Architecture} order. */
    private final List<Dense> dense = new ArrayList<>();
    /** The layers the imputation phase trains (the imputation tower's). */
    private final Set<Dense> imputationLayers = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** Per head: its output layer, or null when the model lacks the head. */
    private final Dense[] outputs = new Dense[Head.COUNT];
    private final float[][] hostLogits = new float[Head.COUNT][];
    private final float[][] hostGrads = new float[Head.COUNT][];

    private boolean biasInitialised;
    private long step;
    private long skippedBatches;
    private long trainedSamples;

    public CvrModel(Settings settings, FeatureSpace space, Backend backend, int batchCapacity) {
        this.settings = settings.copy();
        this.objective = settings.objective();
        this.space = space;
        this.be = backend;
        this.capacity = batchCapacity;
        if (space.dim != settings.get(Settings.EMBEDDING_DIM)) {
            throw new IllegalArgumentException("feature space dim " + space.dim + " differs from setting embedding-dim "
                    + settings.get(Settings.EMBEDDING_DIM));
        }
        this.arch = new Architecture(settings, space, objective.heads());
        SplittableRandom rnd = new SplittableRandom(settings.get(Settings.SEED));
        int dim = space.dim;
        float beta1 = settings.get(Settings.ADAM_BETA1).floatValue();
        float beta2 = settings.get(Settings.ADAM_BETA2).floatValue();
        float eps = settings.get(Settings.ADAM_EPSILON).floatValue();
        float l2 = settings.get(Settings.L2).floatValue();
        denseStep = new AdamStep(settings.get(Settings.LEARNING_RATE).floatValue(), beta1, beta2, eps, l2);
        embedStep = new AdamStep(settings.get(Settings.EMBEDDING_LEARNING_RATE).floatValue(), beta1, beta2,
                eps, l2);
        adagrad = settings.get(Settings.EMBEDDING_OPTIMIZER).equals("adagrad");
        biasInit = settings.get(Settings.OUTPUT_BIAS_INIT);

        table = be.allocate(space.tableRows(), dim);
        float[] init = new float[space.tableRows() * dim];
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) ((rnd.nextDouble() * 2 - 1) * 0.05);
        }
        be.upload(init, 0, table);
        tableM = be.allocate(space.tableRows(), dim);
        tableV = adagrad ? null : be.allocate(space.tableRows(), dim);
        gradRows = be.allocate(Math.max(16, batchCapacity * (space.catFields.length + 2 * space.multiFields.length)),
                dim);
        x = be.allocate(batchCapacity, space.inputWidth());
        dx = be.allocate(batchCapacity, space.inputWidth());

        java.util.Map<String, Dense> byName = new java.util.HashMap<>();
        for (Architecture.Layer l : arch.layers()) {
            Dense d = new Dense(be, l, batchCapacity, rnd);
            dense.add(d);
            byName.put(l.name, d);
        }
        if (arch.extractor.equals("shared-bottom")) {
            extractor = new Extractor.SharedBottom();
        } else {
            Dense[] gates = new Dense[arch.tasks];
            for (int t = 0; t < gates.length; t++) {
                gates[t] = byName.get("gate." + t);
            }
            extractor = new MixtureOfExperts(be, byName.get(Architecture.EXPERTS), gates, arch.sharedExperts,
                    arch.taskExperts, batchCapacity);
        }
        boolean twin = arch.heads.contains(Head.COUNTERFACTUAL);
        towers = new Tower[arch.tasks];
        towers[0] = tower(Architecture.CTR_TOWER, byName);
        towers[1] = tower(twin ? Architecture.CVR_TRUNK : Architecture.CVR_TOWER, byName);
        if (arch.tasks > 2) {
            towers[2] = tower(Architecture.IMPUTATION_TOWER, byName);
            for (Dense d : towers[2].layers) {
                imputationLayers.add(d);
            }
        }
        factualHead = twin ? tower(Architecture.FACTUAL, byName) : null;
        counterfactualHead = twin ? tower(Architecture.COUNTERFACTUAL, byName) : null;
        wideFactual = twin ? byName.get(Architecture.WIDE_FACTUAL) : null;
        wideCounterfactual = twin ? byName.get(Architecture.WIDE_COUNTERFACTUAL) : null;
        for (Head h : arch.heads) {
            outputs[h.ordinal()] = tower(Architecture.towerOf(h, twin), byName).last();
            hostLogits[h.ordinal()] = new float[batchCapacity];
            hostGrads[h.ordinal()] = new float[batchCapacity];
        }
    }

    private Tower tower(String name, java.util.Map<String, Dense> byName) {
        List<Dense> l = new ArrayList<>();
        for (Architecture.Layer spec : arch.tower(name)) {
            l.add(byName.get(spec.name));
        }
        return new Tower(l);
    }

    public FeatureSpace featureSpace() {
        return space;
    }

    public Settings settings() {
        return settings.copy();
    }

    /** The objective this model trains (its instance: not to be shared with another model). */
    public Objective objective() {
        return objective;
    }

    /** The objective's name. */
    public String objectiveName() {
        return objective.name();
    }

    /** The layer plan this model was built from. */
    public Architecture architecture() {
        return arch;
    }

    public Backend backend() {
        return be;
    }

    public int batchCapacity() {
        return capacity;
    }

    /** Optimiser updates applied so far. */
    public long step() {
        return step;
    }

    /** Batches skipped because the loss or a gradient was NaN or infinite. */
    public long skippedBatches() {
        return skippedBatches;
    }

    /** Samples of applied updates. */
    public long trainedSamples() {
        return trainedSamples;
    }

    /** Restores the counters (after loading tensors from a checkpoint). */
    public void restoreCounters(long step, long skippedBatches, long trainedSamples) {
        this.step = step;
        this.skippedBatches = skippedBatches;
        this.trainedSamples = trainedSamples;
    }

    private void forward(EncodedBatch b) {
        int n = b.n;
        x.setRows(n);
        be.uploadBatch(b);
        be.embed(table, b, x);
        extractor.forward(x);
        towers[0].forward(extractor.output(0));
        Tensor trunk = towers[1].forward(extractor.output(1));
        if (factualHead != null) {
            factualHead.forward(trunk);
            counterfactualHead.forward(trunk);
            be.gemm(false, false, 1f, x, wideFactual.w, 1f, factualHead.last().y);
            be.gemm(false, false, 1f, x, wideCounterfactual.w, 1f, counterfactualHead.last().y);
        }
        if (towers.length > 2) {
            towers[2].forward(extractor.output(2));
        }
    }

    /** Back-propagates the heads' dy (already set from the objective) into every parameter gradient and gradRows. */
    private void backward(EncodedBatch b) {
        int n = b.n;
        dx.setRows(n);
        // written: whether dx already holds a contribution (later ones accumulate with beta = 1).
        boolean written = false;
        if (factualHead != null) {
            // Wide part: gW = xᵀ·dz; dx += dz·Wᵀ.
            backwardWide(wideFactual, factualHead.last().dy, n, false);
            backwardWide(wideCounterfactual, counterfactualHead.last().dy, n, true);
            written = true;
        }
        for (int t = 0; t < towers.length; t++) {
            Tower head1 = t == 1 ? factualHead : null;
            Tower head2 = t == 1 ? counterfactualHead : null;
            Tensor in = extractor.output(t);
            Tensor dIn = extractor.outputGradient(t);
            if (dIn == null) {
                backwardTower(in, dx, written ? 1f : 0f, towers[t], head1, head2);
                written = true;
            } else {
                backwardTower(in, dIn, 0f, towers[t], head1, head2);
            }
        }
        extractor.backward(x, dx, written);
        be.embedBackward(dx, b, gradRows);
    }

    private void backwardWide(Dense wide, Tensor dz, int n, boolean accumulate) {
        dz.setRows(n);
        be.gemm(true, false, 1f, x, dz, 0f, wide.gw);
        be.gemm(false, true, 1f, dz, wide.w, accumulate ? 1f : 0f, dx);
    }

    private void backwardTower(Tensor in, Tensor dIn, float beta, Tower tower, Tower head1, Tower head2) {
        if (head1 == null) {
            tower.backward(in, dIn, beta);
            return;
        }
        if (tower.isEmpty()) {
            head1.backward(in, dIn, beta);
            head2.backward(in, dIn, 1f);
        } else {
            Tensor trunkOut = tower.last().y;
            Tensor dTrunk = tower.last().dy;
            dTrunk.setRows(in.rows());
            head1.backward(trunkOut, dTrunk, 0f);
            head2.backward(trunkOut, dTrunk, 1f);
            tower.backward(in, dIn, beta);
        }
    }

    /**
     * Sees the heads' logits of a training step's forward pass (the current parameters: a prequential prediction)
     * before the objective reads the batch, and may set the batch's per-row weights from them. {@code
     * logits[Head.X.ordinal()][0..b.n)}; {@code null} for heads the objective does not have. Must not keep the
     * arrays.
     */
    @FunctionalInterface
    public interface LogitsHook {
        void beforeLoss(float[][] logits, EncodedBatch b);
    }

    /** Moves the heads' logits to the host, evaluates the objective there, and moves ∂L/∂logit back. */
    private void runObjective(Phase phase, EncodedBatch b, LogitsHook hook) {
        int n = b.n;
        for (int h = 0; h < Head.COUNT; h++) {
            if (outputs[h] != null) {
                be.download(outputs[h].y, hostLogits[h], 0);
            }
        }
        if (hook != null) {
            hook.beforeLoss(hostLogits, b);
        }
        objective.evaluate(phase, hostLogits, b, hostGrads, loss);
        for (int h = 0; h < Head.COUNT; h++) {
            if (outputs[h] != null) {
                flushTinyGradients(hostGrads[h], n);
                outputs[h].dy.setRows(n);
                be.upload(hostGrads[h], 0, outputs[h].dy);
            }
        }
    }

    /**
     * ∂L/∂logit below this magnitude is set to 0 before the backward pass. A sample the model has become certain of
     * (a logit beyond ±50) has a gradient of e^-50 and less, which the backward GEMMs turn into subnormal numbers;
     * every multiply on those takes a microcode assist, and after a few epochs on the same data the backward pass
     * ran 8–10× slower. Such a gradient changes nothing: summed over a batch it is far below half an ulp of any
     * normal contribution, and a batch made only of them moves Adam's weights by less than lr · 1e-9 (ε ≥ 1e-8).
     */
    static final float GRADIENT_FLUSH = 1e-20f;

    static void flushTinyGradients(float[] g, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[i];
            g[i] = Math.abs(x) < GRADIENT_FLUSH ? 0f : x;
        }
    }

    /**
     * Before the first training step: sets the output biases from this first batch (output-bias-init), once. A
     * caller that scores the first batch before training on it (delayed-feedback weights) calls this first, so
     * that the scores already come from the initialised heads; {@link #trainStep} calls it too.
     */
    public void initialiseOutputBiasesBefore(EncodedBatch b) {
        if (step == 0 && !biasInit.equals("zero") && !biasInitialised) {
            initialiseOutputBiases(b);
            biasInitialised = true;
        }
    }

    /**
     * Sets every head's output bias to the logit of its base rate in this batch (smoothed as (Σ + 0.5)/(count +
     * 1) and kept in [1e-4, 1 − 1e-4]), or of the stated prior rates (the CVR prior also when the batch's clicked
     * labels are provisional): CTR the click rate, CVR the conversion rate among clicks, the
     * imputation and counterfactual heads what their objective says ({@link Objective#initialLogit}).
     */
    private void initialiseOutputBiases(EncodedBatch b) {
        double impressions = 0;
        double clicks = 0;
        double conversions = 0;
        for (int i = 0; i < b.n; i++) {
            // Impression rows only (a copy of a row is not another impression).
            double a = b.impressionWeight[i];
            impressions += a;
            clicks += b.click[i] > 0.5f ? a : 0;
            conversions += b.click[i] > 0.5f && b.conversion[i] > 0.5f ? a : 0;
        }
        boolean prior = biasInit.equals("prior");
        double ctr = clamp(prior ? settings.get(Settings.PRIOR_CTR) : (clicks + 0.5) / (impressions + 1));
        // Provisional negatives (an early-emitting labeling policy) say nothing yet about the conversion rate.
        double cvr = clamp(prior || b.provisionalLabels ? settings.get(Settings.PRIOR_CVR)
                : (conversions + 0.5) / (clicks + 1));
        float[] v = new float[1];
        for (Head h : arch.heads) {
            v[0] = (float) objective.initialLogit(h, ctr, cvr);
            be.upload(v, 0, outputs[h.ordinal()].b);
        }
    }

    private static double clamp(double p) {
        return Math.min(Math.max(p, 1e-4), 1 - 1e-4);
    }

    private void ensureGradRows(EncodedBatch b) {
        if (gradRows.capacityRows() < b.uniqueCount) {
            gradRows.close();
            gradRows = be.allocate(b.uniqueCount * 2, space.dim);
        }
    }

    /**
     * Forward, objective, backward and update on one batch. A batch whose loss or gradient is not finite is
     * skipped (counted in {@link #skippedBatches}) and leaves every parameter untouched.
     *
     * @return the loss terms (reused: copy what must outlive the next call)
     */
    public LossTerms trainStep(EncodedBatch b) {
        return trainStep(b, null);
    }

    /**
     * {@link #trainStep(EncodedBatch)} with a hook that sees the forward pass's logits before the loss: one
     * forward pass serves both the step and a prediction made before it (running metrics, delayed-feedback
     * weights), with exactly the values a {@link #predict} before the step would give.
     */
    public LossTerms trainStep(EncodedBatch b, LogitsHook hook) {
        checkBatch(b);
        ensureGradRows(b);
        initialiseOutputBiasesBefore(b);
        Phase phase = objective.phase(step);
        forward(b);
        runObjective(phase, b, hook);
        if (!loss.finite) {
            skippedBatches++;
            return loss;
        }
        backward(b);
        long t = step + 1;
        denseStep.forStep(t);
        embedStep.forStep(t);
        for (Dense d : dense) {
            if (!(imputationLayers.contains(d) ? phase.trainsImputation() : phase.trainsMain())) {
                continue;
            }
            be.adam(d.w, d.gw, d.mw, d.vw, denseStep);
            if (d.bias) {
                be.adam(d.b, d.gb, d.mb, d.vb, denseStep);
            }
        }
        if (phase.trainsMain()) {
            if (adagrad) {
                be.sparseAdagrad(table, tableM, gradRows, b, embedStep);
            } else {
                be.sparseAdam(table, tableM, tableV, gradRows, b, embedStep);
            }
        }
        step = t;
        trainedSamples += b.n;
        return loss;
    }

    /** Forward and objective only: the loss terms of the current parameters (no update). */
    public LossTerms evaluateLoss(EncodedBatch b) {
        checkBatch(b);
        forward(b);
        runObjective(Phase.JOINT, b, null);
        return loss;
    }

    /**
     * Forward, objective and backward without an update: leaves ∂L/∂θ in the gradient tensors ({@link
     * #gradients()}) and the embedding gradient of the batch's unique rows in {@link #embeddingGradient()}.
     */
    public LossTerms computeGradients(EncodedBatch b) {
        checkBatch(b);
        ensureGradRows(b);
        forward(b);
        runObjective(Phase.JOINT, b, null);
        backward(b);
        return loss;
    }

    /**
     * Test hook for gradient checks of mtl-eib: freezes the imputed labels r̃ = σ(z_imp) of the last forward
     * pass of this batch, so that later evaluations use them as constants (as the EIB risk's gradient does).
     */
    void freezeImputedLabels(EncodedBatch b) {
        float[] z = new float[b.n];
        be.download(outputs[Head.IMPUTATION.ordinal()].y, z, 0);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) AbstractObjective.sigmoid(z[i]);
        }
        ((EibObjective) objective).freezeImputedLabels(z);
    }

    /** pCTR and pCVR (DCMT: the factual head) of the batch's samples into ctr[0..n), cvr[0..n). */
    public void predict(EncodedBatch b, float[] ctr, float[] cvr) {
        checkBatch(b);
        forward(b);
        float[] z = hostLogits[Head.CTR.ordinal()];
        be.download(outputs[Head.CTR.ordinal()].y, z, 0);
        for (int i = 0; i < b.n; i++) {
            ctr[i] = (float) AbstractObjective.sigmoid(z[i]);
        }
        z = hostLogits[Head.CVR.ordinal()];
        be.download(outputs[Head.CVR.ordinal()].y, z, 0);
        for (int i = 0; i < b.n; i++) {
            cvr[i] = (float) AbstractObjective.sigmoid(z[i]);
        }
    }

    private void checkBatch(EncodedBatch b) {
        if (b.n <= 0 || b.n > capacity) {
            throw new IllegalArgumentException("batch of " + b.n + " samples; the model's capacity is " + capacity);
        }
        if (b.catFields != space.catFields.length || b.multiFields != space.multiFields.length
                || b.numFields != space.numFields.length) {
            throw new IllegalArgumentException("batch layout does not match the model's feature space " + space);
        }
    }

    /** Parameters only, by stable name, in the order of {@link #tensors()} (what a snapshot holds). */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("embedding", table);
        for (Dense d : dense) {
            m.put(d.name + ".w", d.w);
            if (d.bias) {
                m.put(d.name + ".b", d.b);
            }
        }
        return m;
    }

    /** Parameters and optimiser state by stable name, in a fixed order (checkpoints, tests). */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("embedding", table);
        m.put(adagrad ? "embedding.adagrad" : "embedding.adam-m", tableM);
        if (tableV != null) {
            m.put("embedding.adam-v", tableV);
        }
        for (Dense d : dense) {
            m.put(d.name + ".w", d.w);
            m.put(d.name + ".w.adam-m", d.mw);
            m.put(d.name + ".w.adam-v", d.vw);
            if (d.bias) {
                m.put(d.name + ".b", d.b);
                m.put(d.name + ".b.adam-m", d.mb);
                m.put(d.name + ".b.adam-v", d.vb);
            }
        }
        return m;
    }

    /** Parameter gradients after {@link #computeGradients}: name → (group, gradient tensor), dense only. */
    public List<ParamGradient> gradients() {
        List<ParamGradient> l = new ArrayList<>();
        for (Dense d : dense) {
            l.add(new ParamGradient(d.name + ".w", d.group, d.w, d.gw));
            if (d.bias) {
                l.add(new ParamGradient(d.name + ".b", d.group, d.b, d.gb));
            }
        }
        return l;
    }

    /** The embedding table and the gradient of its unique rows after {@link #computeGradients}. */
    public ParamGradient embeddingGradient() {
        return new ParamGradient("embedding", "embedding", table, gradRows);
    }

    /** A parameter, its group, and its gradient. */
    public static final class ParamGradient {
        public final String name;
        public final String group;
        public final Tensor value;
        public final Tensor gradient;

        ParamGradient(String name, String group, Tensor value, Tensor gradient) {
            this.name = name;
            this.group = group;
            this.value = value;
            this.gradient = gradient;
        }

        @Override
        public String toString() {
            return name + " (" + group + ")";
        }
    }

    /** The parameter groups this model has (for tests): embedding, experts, gates, towers, wide. */
    public List<String> groups() {
        List<String> g = new ArrayList<>();
        g.add("embedding");
        for (Dense d : dense) {
            if (!g.contains(d.group)) {
                g.add(d.group);
            }
        }
        return g;
    }

    @Override
    public void close() {
        for (Dense d : dense) {
            d.close();
        }
        for (Tensor t : Arrays.asList(table, tableM, tableV, gradRows, x, dx)) {
            if (t != null) {
                t.close();
            }
        }
        extractor.close();
    }
}
