package io.counterflow.model.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The metrics of one evaluation, serialised with exactly these keys (NaN as {@code null}):
 *
 * <pre>
 * counts{samples,clicks,conversions}
 * ctr{auc,ks,logloss,mean_pred,mean_label}     pCTR vs click, all samples
 * cvr_click_space{auc,ks,f1,recall,mean_pred,mean_label}   pCVR vs conversion, clicked samples only
 * ctcvr{auc,ks,f1,recall}                       pCTR·pCVR vs conversion, all samples
 * cvr_entire_space{mean_pred,mean_truth,bias,auc_vs_truth}  only when every sample carries truth:
 *     mean pCVR and mean true q over all samples, bias = mean_pred − mean_truth, and
 *     auc_vs_truth = {@link Auc#expected} of pCVR against Bernoulli(q) potential outcomes
 * propensity{clip_fraction,ess,ess_share,max_weight}  the IPS weights w = 1/clip(pCTR, ε, 1−ε) of the clicked
 *     samples: share of clipped pCTR, effective sample size (Σw)²/Σw², ESS per click, largest w
 * </pre>
 */
public final class EvaluationResult {
    private static final JsonFactory JSON = new JsonFactory();

    /** CVR over the entire exposure space against ground truth q. */
    public static final class EntireSpace {
        public final double meanPred;
        public final double meanTruth;
        public final double bias;
        public final double aucVsTruth;

        EntireSpace(double meanPred, double meanTruth, double bias, double aucVsTruth) {
            this.meanPred = meanPred;
            this.meanTruth = meanTruth;
            this.bias = bias;
            this.aucVsTruth = aucVsTruth;
        }
    }

    /** The IPS weights w = 1/clip(pCTR, ε, 1−ε) of the clicked samples: what a propensity-weighted loss sees. */
    public static final class PropensityDiagnostics {
        /** Samples whose pCTR was clipped, per sample. */
        public final double clipFraction;
        /** (Σw)²/Σw² over the clicked samples. */
        public final double effectiveSampleSize;
        /** ESS per clicked sample (NaN without clicks). */
        public final double effectiveShare;
        public final double maxWeight;

        public PropensityDiagnostics(double clipFraction, double effectiveSampleSize, double effectiveShare,
                double maxWeight) {
            this.clipFraction = clipFraction;
            this.effectiveSampleSize = effectiveSampleSize;
            this.effectiveShare = effectiveShare;
            this.maxWeight = maxWeight;
        }
    }

    public final long samples;
    public final long clicks;
    public final long conversions;
    /** pCTR vs click over all samples. */
    public final BinaryMetrics ctr;
    /** pCVR vs conversion over clicked samples. */
    public final BinaryMetrics cvrClickSpace;
    /** pCTR·pCVR vs conversion over all samples. */
    public final BinaryMetrics ctcvr;
    /** Null unless every sample carried truth. */
    public final EntireSpace cvrEntireSpace;
    /** Null when not computed. */
    public final PropensityDiagnostics propensity;

    EvaluationResult(long samples, long clicks, long conversions, BinaryMetrics ctr, BinaryMetrics cvrClickSpace,
            BinaryMetrics ctcvr, EntireSpace cvrEntireSpace, PropensityDiagnostics propensity) {
        this.samples = samples;
        this.clicks = clicks;
        this.conversions = conversions;
        this.ctr = ctr;
        this.cvrClickSpace = cvrClickSpace;
        this.ctcvr = ctcvr;
        this.cvrEntireSpace = cvrEntireSpace;
        this.propensity = propensity;
    }

    /** Writes the result as one JSON object to {@code g}. */
    public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("counts");
        g.writeNumberField("samples", samples);
        g.writeNumberField("clicks", clicks);
        g.writeNumberField("conversions", conversions);
        g.writeEndObject();

        g.writeObjectFieldStart("ctr");
        number(g, "auc", ctr.auc());
        number(g, "ks", ctr.ks());
        number(g, "logloss", ctr.logLoss());
        number(g, "mean_pred", ctr.meanPrediction());
        number(g, "mean_label", ctr.meanLabel());
        g.writeEndObject();

        g.writeObjectFieldStart("cvr_click_space");
        number(g, "auc", cvrClickSpace.auc());
        number(g, "ks", cvrClickSpace.ks());
        number(g, "f1", cvrClickSpace.f1());
        number(g, "recall", cvrClickSpace.recall());
        number(g, "mean_pred", cvrClickSpace.meanPrediction());
        number(g, "mean_label", cvrClickSpace.meanLabel());
        g.writeEndObject();

        g.writeObjectFieldStart("ctcvr");
        number(g, "auc", ctcvr.auc());
        number(g, "ks", ctcvr.ks());
        number(g, "f1", ctcvr.f1());
        number(g, "recall", ctcvr.recall());
        g.writeEndObject();

        if (cvrEntireSpace != null) {
            g.writeObjectFieldStart("cvr_entire_space");
            number(g, "mean_pred", cvrEntireSpace.meanPred);
            number(g, "mean_truth", cvrEntireSpace.meanTruth);
            number(g, "bias", cvrEntireSpace.bias);
            number(g, "auc_vs_truth", cvrEntireSpace.aucVsTruth);
            g.writeEndObject();
        }
        if (propensity != null) {
            g.writeObjectFieldStart("propensity");
            number(g, "clip_fraction", propensity.clipFraction);
            number(g, "ess", propensity.effectiveSampleSize);
            number(g, "ess_share", propensity.effectiveShare);
            number(g, "max_weight", propensity.maxWeight);
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** The result as a compact JSON string. */
    public String toJson() {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            writeJson(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void number(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }

    @Override
    public String toString() {
        return toJson();
    }
}
