package io.counterflow.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class EvaluationTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    //                               0     1     2     3     4     5
    private static final int[] CLICK = {1, 1, 1, 0, 0, 1};
    private static final int[] CONV = {1, 0, 0, 0, 0, 1};
    private static final float[] P_CTR = {0.9f, 0.6f, 0.7f, 0.2f, 0.1f, 0.4f};
    private static final float[] P_CVR = {0.5f, 0.1f, 0.3f, 0.8f, 0.05f, 0.2f};
    private static final float[] Q = {0.6f, 0.1f, 0.2f, 0.5f, 0f, 0.3f};

    @Test
    void jsonHasExactlyTheContractKeys() throws Exception {
        JsonNode j = MAPPER.readTree(Evaluation.of(CLICK, CONV, P_CTR, P_CVR, Q, 6).toJson());
        assertThat(j.fieldNames()).toIterable()
                .containsExactly("counts", "ctr", "cvr_click_space", "ctcvr", "cvr_entire_space", "propensity");
        assertThat(j.get("counts").fieldNames()).toIterable().containsExactly("samples", "clicks", "conversions");
        assertThat(j.get("ctr").fieldNames()).toIterable().containsExactly("auc", "ks", "logloss", "mean_pred", "mean_label");
        assertThat(j.get("cvr_click_space").fieldNames()).toIterable()
                .containsExactly("auc", "ks", "f1", "recall", "mean_pred", "mean_label");
        assertThat(j.get("ctcvr").fieldNames()).toIterable().containsExactly("auc", "ks", "f1", "recall");
        assertThat(j.get("cvr_entire_space").fieldNames()).toIterable()
                .containsExactly("mean_pred", "mean_truth", "bias", "auc_vs_truth");
        assertThat(j.get("propensity").fieldNames()).toIterable()
                .containsExactly("clip_fraction", "ess", "ess_share", "max_weight");
    }

    @Test
    void propensityDiagnosticsAreThoseOfTheClickedSamplesIpsWeights() {
        EvaluationResult r = Evaluation.of(CLICK, CONV, P_CTR, P_CVR, Q, 6);
        // Clicked samples' pCTR .9, .6, .7, .4 (none clipped at ε = 0.01): w = 1/p.
        double[] w = {1 / 0.9, 1 / 0.6, 1 / 0.7, 1 / 0.4};
        double s = 0;
        double s2 = 0;
        for (double x : w) {
            s += x;
            s2 += x * x;
        }
        assertThat(r.propensity.effectiveSampleSize).isCloseTo(s * s / s2, within(1e-6));
        assertThat(r.propensity.effectiveShare).isCloseTo(s * s / s2 / 4, within(1e-6));
        assertThat(r.propensity.maxWeight).isCloseTo(2.5, within(1e-6));
        assertThat(r.propensity.clipFraction).isEqualTo(0.0);
    }

    @Test
    void metricsAreComputedOverTheRightSampleSpaces() throws Exception {
        EvaluationResult r = Evaluation.of(CLICK, CONV, P_CTR, P_CVR, Q, 6);
        assertThat(r.samples).isEqualTo(6);
        assertThat(r.clicks).isEqualTo(4);
        assertThat(r.conversions).isEqualTo(2);
        // CTR: positives {.9,.6,.7,.4} vs negatives {.2,.1}: all concordant
        assertThat(r.ctr.auc()).isEqualTo(1.0);
        // CVR over clicked {0,1,2,5}: pCVR .5(+) .1(-) .3(-) .2(+): (+.5 beats both, +.2 beats .1 only) = 3/4;
        // the unclicked sample 3 with pCVR .8 must not count
        assertThat(r.cvrClickSpace.auc()).isCloseTo(0.75, within(1e-12));
        assertThat(r.cvrClickSpace.samples()).isEqualTo(4);
        assertThat(r.cvrClickSpace.meanLabel()).isCloseTo(0.5, within(1e-12));
        assertThat(r.cvrClickSpace.meanPrediction()).isCloseTo((0.5 + 0.1 + 0.3 + 0.2) / 4, within(1e-6));
        // CTCVR over all: .45(+) .06 .21 .16 .005 .08(+) -> + .45 beats 4, + .08 beats .06, .005 = 6/8
        assertThat(r.ctcvr.auc()).isCloseTo(0.75, within(1e-12));
        double meanPred = (0.5 + 0.1 + 0.3 + 0.8 + 0.05 + 0.2) / 6;
        double meanTruth = (0.6 + 0.1 + 0.2 + 0.5 + 0 + 0.3) / 6;
        assertThat(r.cvrEntireSpace.meanPred).isCloseTo(meanPred, within(1e-6));
        assertThat(r.cvrEntireSpace.meanTruth).isCloseTo(meanTruth, within(1e-6));
        assertThat(r.cvrEntireSpace.bias).isCloseTo(meanPred - meanTruth, within(1e-6));
        assertThat(r.cvrEntireSpace.aucVsTruth).isCloseTo(Auc.expected(P_CVR, Q, 6), within(1e-12));
        JsonNode j = MAPPER.readTree(r.toJson());
        assertThat(j.get("cvr_click_space").get("auc").asDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(j.get("counts").get("clicks").asLong()).isEqualTo(4);
    }

    @Test
    void entireSpaceOnlyWhenEverySampleCarriesTruthAndNaNIsNull() throws Exception {
        Evaluation e = new Evaluation();
        e.add(new LabeledSample("a", 1, 1, 0, new Features(), new Truth(0.1, 0.2)), 0.3f, 0.4f);
        e.add(new LabeledSample("b", 2, 0, 0, new Features(), null), 0.2f, 0.1f);
        JsonNode j = MAPPER.readTree(e.result().toJson());
        assertThat(j.has("cvr_entire_space")).isFalse();
        // one click, no conversion: CVR AUC is undefined and written as null
        assertThat(j.get("cvr_click_space").get("auc").isNull()).isTrue();
        assertThat(j.get("cvr_click_space").get("mean_label").asDouble()).isEqualTo(0.0);
        assertThat(j.get("ctr").get("auc").asDouble()).isEqualTo(1.0);
        JsonNode empty = MAPPER.readTree(new Evaluation().result().toJson());
        assertThat(empty.get("ctr").get("auc").isNull()).isTrue();
        assertThat(empty.has("cvr_entire_space")).isFalse();
    }

    @Test
    void rejectsLabelsThatBreakTheContract() {
        Evaluation e = new Evaluation();
        assertThatThrownBy(() -> e.add(0, 1, 0.1f, 0.1f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.add(2, 0, 0.1f, 0.1f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.add(1, 0, 0.1f, 0.1f, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(e.size()).isZero();
    }
}
