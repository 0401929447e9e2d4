package io.counterflow.model.data;

import java.util.Objects;

/**
 * {@code {"id":..,"ts":..,"click":0|1,"conversion":0|1,"features":{..},"truth":{..}?}}: the join's output and
 * the input of offline training (CONTRACT.md). Invariant: {@code conversion == 1} implies {@code click == 1}.
 * Rows of a delayed-feedback policy also say how they were emitted ({@link #emission}) and when the click and the
 * conversion happened, which the trainer's weights and delay model need.
 */
public final class LabeledSample {
    public String id;
    public long ts;
    public int click;
    public int conversion;
    public Features features;
    /** Optional; {@code null} when absent. */
    public Truth truth;
    /** How the join emitted this row; {@link Emission#FINAL} for offline samples. */
    public Emission emission = Emission.FINAL;
    /** Event time of the accepted click; 0 when unclicked or unknown (offline samples). */
    public long clickTs;
    /** Event time of the accepted conversion; 0 when none was observed at emission or unknown. */
    public long conversionTs;

    public LabeledSample() {}

    public LabeledSample(String id, long ts, int click, int conversion, Features features, Truth truth) {
        this.id = id;
        this.ts = ts;
        this.click = click;
        this.conversion = conversion;
        this.features = features;
        this.truth = truth;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LabeledSample)) {
            return false;
        }
        LabeledSample s = (LabeledSample) o;
        return ts == s.ts && click == s.click && conversion == s.conversion && Objects.equals(id, s.id)
                && Objects.equals(features, s.features) && Objects.equals(truth, s.truth) && emission == s.emission
                && clickTs == s.clickTs && conversionTs == s.conversionTs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, ts, click, conversion);
    }

    @Override
    public String toString() {
        return "LabeledSample{id=" + id + ", ts=" + ts + ", click=" + click + ", conversion=" + conversion
                + (emission == Emission.FINAL ? "" : ", emission=" + emission) + (clickTs == 0 ? "" : ", clickTs="
                + clickTs) + (conversionTs == 0 ? "" : ", conversionTs=" + conversionTs) + ", " + features + ", "
                + truth + "}";
    }
}
