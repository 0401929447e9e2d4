package io.counterflow.model.nn;

import io.counterflow.model.backend.AdamStep;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.objective.LossTerms;
import io.counterflow.model.objective.ObjectiveFunction;
import io.counterflow.model.objective.ObjectiveFunction.Phase;
import io.counterflow.model.objective.ObjectiveKind;
import io.counterflow.model.objective.ObjectiveSettings;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CVR model: embedding input → extractor (shared-bottom or MMoE) → towers → objective, trained with
 * hand-written backward passes and Adam (dense) plus lazy Adam or Adagrad (the embedding rows a batch
 * touches). Every tensor lives on the backend; the model only sequences kernel calls.
 *
 * <p>Lifecycle: construct, then any number of {@link #trainStep} / {@link #predict} calls on batches encoded for
 * its {@link FeatureSpace}, then {@link #close}. Single-threaded. {@link #tensors()} exposes parameters and
 * optimiser state by stable names for snapshots and checkpoints; {@link #step()} counts applied updates.
 */
public final class CvrModel implements AutoCloseable {
    private final Settings settings;
    private final ObjectiveKind kind;
    private final FeatureSpace space;
    private final Backend be;
    private final int capacity;
    private final ObjectiveFunction objective;
    private final LossTerms loss = new LossTerms();
    private final boolean adagrad;
    private final AdamStep denseStep;
    private final AdamStep embedStep;

    private final Tensor table;
    private final Tensor tableM;
    private final Tensor tableV;
    private Tensor gradRows;
    private final Tensor x;
    private final Tensor dx;

    private final boolean mmoe;
    private final Dense experts;
    private final Dense[] gates;
    private final Tensor[] mix;
    private final Tensor[] dMix;

    /** Towers by task: 0 CTR, 1 CVR (the twin tower's trunk for DCMT), 2 imputation. */
    private final Tower ctrTower;
    private final Tower cvrTower;
    private final Tower impTower;
    private final Tower factualHead;
    private final Tower counterfactualHead;
    private final Dense wideFactual;
    private final Dense wideCounterfactual;

    private final List<Dense> dense = new ArrayList<>();
    private final Tensor[] logits = new Tensor[ObjectiveFunction.HEADS];
    private final Tensor[] dLogits = new Tensor[ObjectiveFunction.HEADS];
    private final float[] hostLogits;
    /** Per-task tower inputs of the current step (reused). */
    private final Tensor[] towerInputs = new Tensor[3];

    private long step;
    private long skippedBatches;
    private long trainedSamples;

    public CvrModel(Settings settings, FeatureSpace space, Backend backend, int batchCapacity) {
        this.settings = settings.copy();
        this.kind = settings.objective();
        this.space = space;
        this.be = backend;
        this.capacity = batchCapacity;
        this.objective = new ObjectiveFunction(new ObjectiveSettings(settings));
        if (space.dim != settings.get(Settings.EMBEDDING_DIM)) {
            throw new IllegalArgumentException("feature space dim " + space.dim + " differs from setting embedding-dim "
                    + settings.get(Settings.EMBEDDING_DIM));
        }
        SplittableRandom rnd = new SplittableRandom(settings.get(Settings.SEED));
        int in = space.inputWidth();
        int dim = space.dim;
        float beta1 = settings.get(Settings.ADAM_BETA1).floatValue();
        float beta2 = settings.get(Settings.ADAM_BETA2).floatValue();
        float eps = settings.get(Settings.ADAM_EPSILON).floatValue();
        float l2 = settings.get(Settings.L2).floatValue();
        denseStep = new AdamStep(settings.get(Settings.LEARNING_RATE).floatValue(), beta1, beta2, eps, l2);
        embedStep = new AdamStep(settings.get(Settings.EMBEDDING_LEARNING_RATE).floatValue(), beta1, beta2,
                eps, l2);
        adagrad = settings.get(Settings.EMBEDDING_OPTIMIZER).equals("adagrad");

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
        x = be.allocate(batchCapacity, in);
        dx = be.allocate(batchCapacity, in);

        int[] widths = settings.towers();
        int tasks = kind.hasImputationTower() ? 3 : 2;
        mmoe = settings.get(Settings.EXTRACTOR).equals("mmoe");
        int towerIn;
        if (mmoe) {
            int k = settings.get(Settings.EXPERTS);
            int h = settings.get(Settings.EXPERT_WIDTH);
            experts = add(new Dense(be, "experts", "experts", in, k * h, true, true, batchCapacity, rnd, 1.0));
            gates = new Dense[tasks];
            mix = new Tensor[tasks];
            dMix = new Tensor[tasks];
            for (int t = 0; t < tasks; t++) {
                gates[t] = add(new Dense(be, "gate." + t, "gates", in, k, false, true, batchCapacity, rnd, 1.0));
                mix[t] = be.allocate(batchCapacity, h);
                dMix[t] = be.allocate(batchCapacity, h);
            }
            towerIn = h;
        } else {
            experts = null;
            gates = null;
            mix = null;
            dMix = null;
            towerIn = in;
        }
        ctrTower = tower("tower.ctr", towerIn, widths, 0, widths.length, true, rnd);
        if (kind.hasTwinTower()) {
            cvrTower = tower("tower.cvr.trunk", towerIn, widths, 0, widths.length - 1, false, rnd);
            int headIn = widths.length > 1 ? widths[widths.length - 2] : towerIn;
            factualHead = tower("tower.cvr.factual", headIn, widths, widths.length - 1, widths.length, true, rnd);
            counterfactualHead =
                    tower("tower.cvr.counterfactual", headIn, widths, widths.length - 1, widths.length, true, rnd);
            wideFactual = add(new Dense(be, "wide.factual", "wide", in, 1, false, false, batchCapacity, rnd, 0.1));
            wideCounterfactual =
                    add(new Dense(be, "wide.counterfactual", "wide", in, 1, false, false, batchCapacity, rnd, 0.1));
        } else {
            cvrTower = tower("tower.cvr", towerIn, widths, 0, widths.length, true, rnd);
            factualHead = null;
            counterfactualHead = null;
            wideFactual = null;
            wideCounterfactual = null;
        }
        impTower = kind.hasImputationTower() ? tower("tower.imp", towerIn, widths, 0, widths.length, true, rnd) : null;

        setHead(ObjectiveFunction.CTR, ctrTower);
        setHead(ObjectiveFunction.CVR, kind.hasTwinTower() ? factualHead : cvrTower);
        if (impTower != null) {
            setHead(ObjectiveFunction.IMP, impTower);
        }
        if (counterfactualHead != null) {
            setHead(ObjectiveFunction.CF, counterfactualHead);
        }
        hostLogits = new float[batchCapacity];
    }

    private void setHead(int h, Tower t) {
        logits[h] = t.last().y;
        dLogits[h] = t.last().dy;
    }

    private Dense add(Dense d) {
        dense.add(d);
        return d;
    }

    /** Layers widths[from .. to) with ReLU, then (if withOutput) a linear layer to one logit. */
    private Tower tower(String name, int in, int[] widths, int from, int to, boolean withOutput,
            SplittableRandom rnd) {
        List<Dense> layers = new ArrayList<>();
        int prev = in;
        for (int j = from; j < to; j++) {
            layers.add(add(new Dense(be, name + "." + j, name, prev, widths[j], true, true, capacity, rnd, 1.0)));
            prev = widths[j];
        }
        if (withOutput) {
            layers.add(add(new Dense(be, name + ".out", name, prev, 1, false, true, capacity, rnd, 1.0)));
        }
        return new Tower(layers);
    }

    public FeatureSpace featureSpace() {
        return space;
    }

    public Settings settings() {
        return settings.copy();
    }

    public ObjectiveKind objectiveKind() {
        return kind;
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
        Tensor[] in = towerInputs;
        in[0] = x;
        in[1] = x;
        in[2] = x;
        if (mmoe) {
            Tensor e = experts.forward(x);
            for (int t = 0; t < gates.length; t++) {
                Tensor g = gates[t].forward(x);
                be.softmaxRows(g);
                mix[t].setRows(n);
                be.mixExperts(e, g, mix[t]);
                in[t] = mix[t];
            }
        }
        ctrTower.forward(in[0]);
        Tensor trunk = cvrTower.forward(in[1]);
        if (factualHead != null) {
            factualHead.forward(trunk);
            counterfactualHead.forward(trunk);
            be.gemm(false, false, 1f, x, wideFactual.w, 1f, factualHead.last().y);
            be.gemm(false, false, 1f, x, wideCounterfactual.w, 1f, counterfactualHead.last().y);
        }
        if (impTower != null) {
            impTower.forward(in[2]);
        }
    }

    /** Back-propagates dLogits (already set by the objective) into every parameter gradient and gradRows. */
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
        if (mmoe) {
            backwardTask(0, ctrTower, null, null);
            backwardTask(1, cvrTower, factualHead, counterfactualHead);
            if (impTower != null) {
                backwardTask(2, impTower, null, null);
            }
            Tensor e = experts.y;
            for (int t = 0; t < gates.length; t++) {
                gates[t].dy.setRows(n);
                experts.dy.setRows(n);
                be.mixExpertsBackward(e, gates[t].y, dMix[t], t == 0 ? 0f : 1f, experts.dy, gates[t].dy);
                be.softmaxBackward(gates[t].y, gates[t].dy);
                gates[t].backward(x, dx, written ? 1f : 0f);
                written = true;
            }
            experts.backward(x, dx, 1f);
        } else {
            written = backwardShared(ctrTower, null, null, written);
            written = backwardShared(cvrTower, factualHead, counterfactualHead, written);
            if (impTower != null) {
                backwardShared(impTower, null, null, written);
            }
        }
        be.embedBackward(dx, b, gradRows);
    }

    private void backwardWide(Dense wide, Tensor dz, int n, boolean accumulate) {
        dz.setRows(n);
        be.gemm(true, false, 1f, x, dz, 0f, wide.gw);
        be.gemm(false, true, 1f, dz, wide.w, accumulate ? 1f : 0f, dx);
    }

    private void backwardTask(int t, Tower tower, Tower head1, Tower head2) {
        dMix[t].setRows(x.rows());
        backwardTower(mix[t], dMix[t], 0f, tower, head1, head2);
    }

    private boolean backwardShared(Tower tower, Tower head1, Tower head2, boolean written) {
        backwardTower(x, dx, written ? 1f : 0f, tower, head1, head2);
        return true;
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

    private Phase phaseOf(long t) {
        if (!objective.settings().drAlternating || !kind.hasImputationTower() || kind == ObjectiveKind.MTL_EIB) {
            return Phase.JOINT;
        }
        return t % 2 == 0 ? Phase.IMPUTATION : Phase.MAIN;
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
        checkBatch(b);
        ensureGradRows(b);
        Phase phase = phaseOf(step);
        objective.setPhase(phase);
        forward(b);
        be.objective(objective, logits, b, dLogits, loss);
        if (!loss.finite) {
            skippedBatches++;
            return loss;
        }
        backward(b);
        long t = step + 1;
        denseStep.forStep(t);
        embedStep.forStep(t);
        for (Dense d : dense) {
            boolean imp = d.group.equals("tower.imp");
            if (phase == Phase.IMPUTATION && !imp || phase == Phase.MAIN && imp) {
                continue;
            }
            be.adam(d.w, d.gw, d.mw, d.vw, denseStep);
            if (d.bias) {
                be.adam(d.b, d.gb, d.mb, d.vb, denseStep);
            }
        }
        if (phase != Phase.IMPUTATION) {
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
        objective.setPhase(Phase.JOINT);
        forward(b);
        be.objective(objective, logits, b, dLogits, loss);
        return loss;
    }

    /**
     * Forward, objective and backward without an update: leaves ∂L/∂θ in the gradient tensors ({@link
     * #gradients()}) and the embedding gradient of the batch's unique rows in {@link #embeddingGradient()}.
     */
    public LossTerms computeGradients(EncodedBatch b) {
        checkBatch(b);
        ensureGradRows(b);
        objective.setPhase(Phase.JOINT);
        forward(b);
        be.objective(objective, logits, b, dLogits, loss);
        backward(b);
        return loss;
    }

    /**
     * Test hook for gradient checks of mtl-eib: freezes the imputed labels r̃ = σ(z_imp) of the last forward
     * pass of this batch, so that later evaluations use them as constants (as the EIB risk's gradient does).
     */
    void freezeImputedLabels(EncodedBatch b) {
        float[] z = new float[b.n];
        be.download(logits[ObjectiveFunction.IMP], z, 0);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) ObjectiveFunction.sigmoid(z[i]);
        }
        objective.freezeImputedLabels(z);
    }

    /** pCTR and pCVR (DCMT: the factual head) of the batch's samples into ctr[0..n), cvr[0..n). */
    public void predict(EncodedBatch b, float[] ctr, float[] cvr) {
        checkBatch(b);
        forward(b);
        be.download(logits[ObjectiveFunction.CTR], hostLogits, 0);
        for (int i = 0; i < b.n; i++) {
            ctr[i] = (float) ObjectiveFunction.sigmoid(hostLogits[i]);
        }
        be.download(logits[ObjectiveFunction.CVR], hostLogits, 0);
        for (int i = 0; i < b.n; i++) {
            cvr[i] = (float) ObjectiveFunction.sigmoid(hostLogits[i]);
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

    /** Parameters and optimiser state by stable name, in a fixed order (snapshots, checkpoints, tests). */
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

    /** Whether a tensor name from {@link #tensors()} is a parameter (not optimiser state). */
    public static boolean isParameter(String name) {
        return !name.contains(".adam-") && !name.endsWith(".adagrad");
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
        if (mix != null) {
            for (int t = 0; t < mix.length; t++) {
                mix[t].close();
                dMix[t].close();
            }
        }
    }
}
