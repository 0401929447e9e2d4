package io.counterflow.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.testing.TinyData;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A sample the model is certain of sends an exact 0 into the backward pass, never a subnormal gradient: with the
 * CTR head's bias at −100 every unclicked sample's ∂L/∂logit is about e^-100 (subnormal in float), which would make
 * the backward GEMMs take a microcode assist per multiply (after a few epochs on the same data the backward pass
 * ran 8–10× slower). At −10 the gradient is an ordinary small number and flows.
 */
class GradientFlushTest {

    private static float[][] ctrHeadGradients(float outputBias) {
        Settings s = TinyData.tinySettings("esmm", "shared-bottom");
        LabeledSample[] samples = TinyData.samples(24, 5);
        for (LabeledSample x : samples) {
            x.click = 0;
            x.conversion = 0;
        }
        try (Backend be = Backends.create("java"); CvrModel m = new CvrModel(s, TinyData.space(s), be, 32)) {
            EncodedBatch b = TinyData.encode(new BatchEncoder(m.featureSpace()), samples);
            for (CvrModel.ParamGradient p : m.gradients()) {
                if (p.name.equals("tower.ctr.out.b")) {
                    be.upload(new float[] {outputBias}, 0, p.value);
                }
            }
            m.computeGradients(b);
            float[][] out = new float[2][];
            for (CvrModel.ParamGradient p : m.gradients()) {
                float[] g = new float[p.gradient.size()];
                be.download(p.gradient, g, 0);
                if (p.name.equals("tower.ctr.out.b")) {
                    out[0] = g;
                } else if (p.name.equals("tower.ctr.out.w")) {
                    out[1] = g;
                }
                for (float x : g) {
                    assertThat(x == 0f || Math.abs(x) >= Float.MIN_NORMAL).as("no subnormal in " + p.name).isTrue();
                }
            }
            return out;
        }
    }

    @Test
    void aCertainSampleContributesAnExactZero() {
        float[][] g = ctrHeadGradients(-100f);
        assertThat(g[0]).as("output bias gradient").containsOnly(0f);
        assertThat(g[1]).as("output weight gradient").containsOnly(0f);
    }

    @Test
    void anOrdinarySmallGradientFlows() {
        float[][] g = ctrHeadGradients(-10f);
        assertThat(g[0][0]).as("output bias gradient, p ≈ 4.5e-5 per unclicked sample").isGreaterThan(1e-6f);
        assertThat(g[1]).as("output weight gradient").isNotEqualTo(new float[g[1].length]);
    }

    @Test
    void theFlushZeroesOnlyMagnitudesBelowItsThreshold() {
        float[] g = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, 9.99e-21f, -9.99e-21f, 1e-20f, -1e-20f, 3e-7f, -2f,
                Float.NaN, Float.POSITIVE_INFINITY, 1e-30f};
        CvrModel.flushTinyGradients(g, g.length - 1); // the last element is past n
        assertThat(Arrays.copyOf(g, 6)).containsOnly(0f);
        assertThat(Arrays.copyOfRange(g, 6, 10)).containsExactly(1e-20f, -1e-20f, 3e-7f, -2f);
        assertThat(g[10]).isNaN(); // non-finite gradients are the model's skip logic's business, not the flush's
        assertThat(g[11]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(g[12]).as("past n: left alone").isEqualTo(1e-30f);
    }
}
