package io.counterflow.model.nn;

import io.counterflow.model.objective.DrObjective;
import io.counterflow.model.objective.Propensity;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stopped gradients are exactly zero: with {@code ctr-gradient-from-cvr = false} the CTR tower's gradient is
 * bit-for-bit the one it gets when the CVR risk is switched off entirely; with the flow enabled it differs
 * (so the comparison can fail). And a detached DR imputation term leaves the CVR tower exactly IPS's gradient.
 */
class StopGradientTest {

    private static Map<String, float[]> gradients(String objective, String extractor, Consumer<Settings> tweak) {
        Settings s = TinyData.tinySettings(objective, extractor);
        s.set(Propensity.EPSILON, 1e-4);
        tweak.accept(s);
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Backend be = Backends.create("java"); CvrModel m = new CvrModel(s, TinyData.space(s), be, 32)) {
            EncodedBatch b = TinyData.encode(new BatchEncoder(m.featureSpace()), TinyData.samples(24, 4));
            m.computeGradients(b);
            for (CvrModel.ParamGradient p : m.gradients()) {
                float[] g = new float[p.gradient.size()];
                be.download(p.gradient, g, 0);
                out.put(p.name, g);
            }
        }
        return out;
    }

    private static Map<String, float[]> ctrTower(Map<String, float[]> all) {
        Map<String, float[]> m = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith("tower.ctr.")) {
                m.put(k, v);
            }
        });
        return m;
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({"mtl-ips,lambda-c", "escm2-ips,lambda-c", "escm2-dr,lambda-c", "mtl-dr,lambda-c", "dcmt,w-cvr",
            "dcmt-pd,w-cvr"})
    void cvrRiskSendsNothingIntoTheCtrTowerWhenStopped(String objective, String weight) {
        Map<String, float[]> stopped = ctrTower(gradients(objective, "shared-bottom", s -> s.setFromString(weight, "0.7")));
        Map<String, float[]> riskOff = ctrTower(gradients(objective, "shared-bottom", s -> s.setFromString(weight, "0")));
        Map<String, float[]> flowing = ctrTower(gradients(objective, "shared-bottom", s -> {
            s.setFromString(weight, "0.7");
            s.set(Propensity.CTR_GRADIENT_FROM_CVR, true);
        }));
        for (String k : stopped.keySet()) {
            assertThat(stopped.get(k)).as(k).containsExactly(riskOff.get(k));
        }
        boolean anyDiffers = false;
        for (String k : stopped.keySet()) {
            anyDiffers |= !java.util.Arrays.equals(stopped.get(k), flowing.get(k));
        }
        assertThat(anyDiffers).as("with ctr-gradient-from-cvr the CVR risk does reach the CTR tower").isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"escm2-ips", "dcmt"})
    void truePropensitiesNeverTrainTheCtrTowerThroughTheRisk(String objective) {
        Map<String, float[]> truth = ctrTower(gradients(objective, "shared-bottom", s -> {
            s.set(Propensity.PROPENSITY_SOURCE, "truth");
            s.set(Propensity.CTR_GRADIENT_FROM_CVR, true);
        }));
        Map<String, float[]> riskOff = ctrTower(gradients(objective, "shared-bottom", s -> {
            s.set(Propensity.PROPENSITY_SOURCE, "truth");
            s.setFromString(objective.startsWith("dcmt") ? "w-cvr" : "lambda-c", "0");
        }));
        for (String k : truth.keySet()) {
            assertThat(truth.get(k)).as(k).containsExactly(riskOff.get(k));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"plain", "self-normalised"})
    void detachedDrImputationTermLeavesTheCvrTowerExactlyTheIpsGradient(String normalisation) {
        Consumer<Settings> common = s -> s.setFromString("ips-normalisation", normalisation);
        Map<String, float[]> ips = gradients("escm2-ips", "shared-bottom", common);
        Map<String, float[]> drDetached = gradients("escm2-dr", "shared-bottom", common);
        Map<String, float[]> drJoint = gradients("escm2-dr", "shared-bottom", s -> {
            common.accept(s);
            s.set(DrObjective.IMPUTATION_GRADIENT_TO_CVR, true);
        });
        boolean jointDiffers = false;
        for (String k : ips.keySet()) {
            if (!k.startsWith("tower.cvr.")) {
                continue;
            }
            float[] a = ips.get(k);
            float[] b = drDetached.get(k);
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).as("%s[%d]", k, i).isCloseTo(a[i],
                        org.assertj.core.data.Offset.offset(1e-6f * Math.max(1f, Math.abs(a[i]))));
            }
            jointDiffers |= !java.util.Arrays.equals(a, drJoint.get(k));
        }
        // Note: the DR imputation tower's own term δ̂ (mean_D δ̂) never touches the CVR tower either way; the
        // joint gradient differs through 2·o·(δ−δ̂)/ô.
        assertThat(jointDiffers).isTrue();
    }
}
