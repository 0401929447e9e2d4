package io.counterflow.model.nn;

import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.objective.Head;
import io.counterflow.model.settings.Settings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model's layers as a description, before anything is allocated: the extractor's (experts and gates for
 * mmoe and ple) and one tower per task, assembled from the heads the objective asks for. {@link CvrModel}
 * creates exactly these layers in this order; {@link #parameterFloats()} counts them (snapshot readers compare
 * it with the bytes present before allocating).
 *
 * <p>Tasks: 0 CTR, 1 CVR, 2 imputation (when the objective has an imputation head). With a counterfactual head
 * the CVR tower is a twin tower: a trunk of every hidden layer but the last, then a factual and a counterfactual
 * head (the last hidden layer and an output each), plus a linear wide part per head on the extractor's input.
 */
public final class Architecture {
    /** One dense layer y = act(x·W + b). */
    static final class Layer {
        final String name;
        final String group;
        final int in;
        final int out;
        final boolean relu;
        final boolean bias;
        final double initScale;

        Layer(String name, String group, int in, int out, boolean relu, boolean bias, double initScale) {
            this.name = name;
            this.group = group;
            this.in = in;
            this.out = out;
            this.relu = relu;
            this.bias = bias;
            this.initScale = initScale;
        }

        long floats() {
            return (long) in * out + (bias ? out : 0);
        }
    }

    static final String EXPERTS = "experts";
    static final String CTR_TOWER = "tower.ctr";
    static final String CVR_TOWER = "tower.cvr";
    static final String CVR_TRUNK = "tower.cvr.trunk";
    static final String FACTUAL = "tower.cvr.factual";
    static final String COUNTERFACTUAL = "tower.cvr.counterfactual";
    static final String IMPUTATION_TOWER = "tower.imp";
    static final String WIDE_FACTUAL = "wide.factual";
    static final String WIDE_COUNTERFACTUAL = "wide.counterfactual";

    final EnumSet<Head> heads;
    final String extractor;
    final int inputWidth;
    final int tasks;
    /** MMoE: experts; PLE: shared experts. */
    final int sharedExperts;
    /** PLE: task-specific experts per task (0 otherwise). */
    final int taskExperts;
    final int expertWidth;
    final int towerInput;
    private final long tableFloats;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, List<Layer>> towers = new LinkedHashMap<>();

    public Architecture(Settings s, FeatureSpace fs, Set<Head> heads) {
        this.heads = EnumSet.copyOf(heads);
        this.extractor = s.get(Settings.EXTRACTOR);
        this.inputWidth = fs.inputWidth();
        this.tableFloats = (long) fs.tableRows() * fs.dim;
        this.tasks = heads.contains(Head.IMPUTATION) ? 3 : 2;
        boolean moe = !extractor.equals("shared-bottom");
        this.sharedExperts = moe ? s.get(Settings.EXPERTS) : 0;
        this.taskExperts = extractor.equals("ple") ? s.get(Settings.TASK_EXPERTS) : 0;
        this.expertWidth = moe ? s.get(Settings.EXPERT_WIDTH) : 0;
        int in = inputWidth;
        if (moe) {
            int k = gateWidth();
            layers.add(new Layer(EXPERTS, EXPERTS, in, k * expertWidth, true, true, 1.0));
            for (int t = 0; t < tasks; t++) {
                layers.add(new Layer("gate." + t, "gates", in, k, false, true, 1.0));
            }
        }
        towerInput = moe ? expertWidth : in;
        int[] w = s.towers();
        tower(CTR_TOWER, towerInput, w, 0, w.length, true);
        if (heads.contains(Head.COUNTERFACTUAL)) {
            tower(CVR_TRUNK, towerInput, w, 0, w.length - 1, false);
            int headIn = w.length > 1 ? w[w.length - 2] : towerInput;
            tower(FACTUAL, headIn, w, w.length - 1, w.length, true);
            tower(COUNTERFACTUAL, headIn, w, w.length - 1, w.length, true);
            layers.add(new Layer(WIDE_FACTUAL, "wide", in, 1, false, false, 0.1));
            layers.add(new Layer(WIDE_COUNTERFACTUAL, "wide", in, 1, false, false, 0.1));
        } else {
            tower(CVR_TOWER, towerInput, w, 0, w.length, true);
        }
        if (heads.contains(Head.IMPUTATION)) {
            tower(IMPUTATION_TOWER, towerInput, w, 0, w.length, true);
        }
    }

    /** Experts a gate mixes over: MMoE's experts, or PLE's shared plus every task's own. */
    int gateWidth() {
        return sharedExperts + tasks * taskExperts;
    }

    private void tower(String name, int in, int[] widths, int from, int to, boolean withOutput) {
        List<Layer> l = new ArrayList<>();
        int prev = in;
        for (int j = from; j < to; j++) {
            l.add(new Layer(name + "." + j, name, prev, widths[j], true, true, 1.0));
            prev = widths[j];
        }
        if (withOutput) {
            l.add(new Layer(name + ".out", name, prev, 1, false, true, 1.0));
        }
        layers.addAll(l);
        towers.put(name, l);
    }

    /** Every layer, in creation order. */
    List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** The layers of a tower by name (empty for a twin tower's trunk of a one-layer tower). */
    List<Layer> tower(String name) {
        List<Layer> l = towers.get(name);
        return l == null ? List.of() : l;
    }

    /** The tower whose output layer gives the head's logit. */
    static String towerOf(Head h, boolean twin) {
        switch (h) {
            case CTR:
                return CTR_TOWER;
            case CVR:
                return twin ? FACTUAL : CVR_TOWER;
            case IMPUTATION:
                return IMPUTATION_TOWER;
            default:
                return COUNTERFACTUAL;
        }
    }

    /** Parameter floats of the model: the embedding table and every layer (optimiser state excluded). */
    public long parameterFloats() {
        long total = tableFloats;
        for (Layer l : layers) {
            total += l.floats();
        }
        return total;
    }
}
