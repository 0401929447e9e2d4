package io.counterflow.model.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The generator's settings, immutable and validated. Defaults live only in {@link Builder}'s field
 * initialisers; {@link #toMap()} lists every setting under the key used in messages and the manifest.
 *
 * <p>Two seeds: {@code seed} fixes the world (users, items, latent factors, calibrated intercepts) and
 * {@code streamSeed} the impressions drawn from it. A held-out test set is the same {@code seed} with another
 * {@code streamSeed}, a later {@code startTs} and another {@code idPrefix} (ids must stay unique).
 */
public final class GeneratorConfig {
    public final long impressions;
    public final long seed;
    public final long streamSeed;
    public final String idPrefix;
    public final double clickRate;
    public final double cvrAmongClicks;
    public final double selectionBias;
    public final int users;
    public final int items;
    public final int latentDim;
    public final long startTs;
    public final double meanInterArrivalMs;
    public final double clickDelayMedianMs;
    public final double clickDelaySigma;
    public final double conversionFastFraction;
    public final double conversionFastMedianMs;
    public final double conversionSlowMedianMs;
    public final double conversionDelaySigma;
    public final long clickWindowMs;
    public final long attributionWindowMs;
    public final boolean numericFeatures;
    public final boolean multiValuedFeatures;

    private GeneratorConfig(Builder b) {
        impressions = b.impressions;
        seed = b.seed;
        streamSeed = b.streamSeed;
        idPrefix = b.idPrefix;
        clickRate = b.clickRate;
        cvrAmongClicks = b.cvrAmongClicks;
        selectionBias = b.selectionBias;
        users = b.users;
        items = b.items;
        latentDim = b.latentDim;
        startTs = b.startTs;
        meanInterArrivalMs = b.meanInterArrivalMs;
        clickDelayMedianMs = b.clickDelayMedianMs;
        clickDelaySigma = b.clickDelaySigma;
        conversionFastFraction = b.conversionFastFraction;
        conversionFastMedianMs = b.conversionFastMedianMs;
        conversionSlowMedianMs = b.conversionSlowMedianMs;
        conversionDelaySigma = b.conversionDelaySigma;
        clickWindowMs = b.clickWindowMs;
        attributionWindowMs = b.attributionWindowMs;
        numericFeatures = b.numericFeatures;
        multiValuedFeatures = b.multiValuedFeatures;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default configuration. */
    public static GeneratorConfig defaults() {
        return builder().build();
    }

    /** A builder initialised from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.impressions = impressions;
        b.seed = seed;
        b.streamSeed = streamSeed;
        b.idPrefix = idPrefix;
        b.clickRate = clickRate;
        b.cvrAmongClicks = cvrAmongClicks;
        b.selectionBias = selectionBias;
        b.users = users;
        b.items = items;
        b.latentDim = latentDim;
        b.startTs = startTs;
        b.meanInterArrivalMs = meanInterArrivalMs;
        b.clickDelayMedianMs = clickDelayMedianMs;
        b.clickDelaySigma = clickDelaySigma;
        b.conversionFastFraction = conversionFastFraction;
        b.conversionFastMedianMs = conversionFastMedianMs;
        b.conversionSlowMedianMs = conversionSlowMedianMs;
        b.conversionDelaySigma = conversionDelaySigma;
        b.clickWindowMs = clickWindowMs;
        b.attributionWindowMs = attributionWindowMs;
        b.numericFeatures = numericFeatures;
        b.multiValuedFeatures = multiValuedFeatures;
        return b;
    }

    /** Every setting by key, in declaration order (for the manifest and logs). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("impressions", impressions);
        m.put("seed", seed);
        m.put("streamSeed", streamSeed);
        m.put("idPrefix", idPrefix);
        m.put("clickRate", clickRate);
        m.put("cvrAmongClicks", cvrAmongClicks);
        m.put("selectionBias", selectionBias);
        m.put("users", users);
        m.put("items", items);
        m.put("latentDim", latentDim);
        m.put("startTs", startTs);
        m.put("meanInterArrivalMs", meanInterArrivalMs);
        m.put("clickDelayMedianMs", clickDelayMedianMs);
        m.put("clickDelaySigma", clickDelaySigma);
        m.put("conversionFastFraction", conversionFastFraction);
        m.put("conversionFastMedianMs", conversionFastMedianMs);
        m.put("conversionSlowMedianMs", conversionSlowMedianMs);
        m.put("conversionDelaySigma", conversionDelaySigma);
        m.put("clickWindowMs", clickWindowMs);
        m.put("attributionWindowMs", attributionWindowMs);
        m.put("numericFeatures", numericFeatures);
        m.put("multiValuedFeatures", multiValuedFeatures);
        return m;
    }

    @Override
    public String toString() {
        return "GeneratorConfig" + toMap();
    }

    /** Mutable settings with their defaults; {@link #build()} validates. */
    public static final class Builder {
        private long impressions = 100_000;
        private long seed = 42;
        private long streamSeed = 1;
        private String idPrefix = "imp-";
        private double clickRate = 0.04;
        private double cvrAmongClicks = 0.10;
        private double selectionBias = 1.0;
        private int users = 10_000;
        private int items = 2_000;
        private int latentDim = 8;
        private long startTs = 1_700_000_000_000L;
        private double meanInterArrivalMs = 100;
        private double clickDelayMedianMs = 20_000;
        private double clickDelaySigma = 1.0;
        private double conversionFastFraction = 0.5;
        private double conversionFastMedianMs = 10 * 60_000;
        private double conversionSlowMedianMs = 24 * 3_600_000;
        private double conversionDelaySigma = 1.0;
        private long clickWindowMs = 30 * 60_000;
        private long attributionWindowMs = 7 * 24 * 3_600_000L;
        private boolean numericFeatures = true;
        private boolean multiValuedFeatures = true;

        private Builder() {}

        /** Number of impressions to generate (> 0). */
        public Builder impressions(long v) {
            impressions = v;
            return this;
        }

        /** Seed of the world: users, items, latent factors and calibration. */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Seed of the impression stream drawn from the world. */
        public Builder streamSeed(long v) {
            streamSeed = v;
            return this;
        }

        /** Impression ids are {@code idPrefix + n}, n = 1, 2, …. */
        public Builder idPrefix(String v) {
            idPrefix = v;
            return this;
        }

        /** Target mean click propensity, in (0, 0.5]. */
        public Builder clickRate(double v) {
            clickRate = v;
            return this;
        }

        /** Target mean of q among clicked impressions, in (0, 0.9]. */
        public Builder cvrAmongClicks(double v) {
            cvrAmongClicks = v;
            return this;
        }

        /** Weight of the component q shares with p (0 = no selection bias), in [0, 3]. */
        public Builder selectionBias(double v) {
            selectionBias = v;
            return this;
        }

        /** Number of users (≥ 1). */
        public Builder users(int v) {
            users = v;
            return this;
        }

        /** Number of items (≥ 1). */
        public Builder items(int v) {
            items = v;
            return this;
        }

        /** Dimension of the latent factors, in [1, 256]. */
        public Builder latentDim(int v) {
            latentDim = v;
            return this;
        }

        /** Event time of the first impression, epoch milliseconds (≥ 0). */
        public Builder startTs(long v) {
            startTs = v;
            return this;
        }

        /** Mean of the exponential gap between impressions, ms (> 0). */
        public Builder meanInterArrivalMs(double v) {
            meanInterArrivalMs = v;
            return this;
        }

        /** Median of the lognormal click delay after the impression, ms (> 0). */
        public Builder clickDelayMedianMs(double v) {
            clickDelayMedianMs = v;
            return this;
        }

        /** Log-scale spread of the click delay (≥ 0). */
        public Builder clickDelaySigma(double v) {
            clickDelaySigma = v;
            return this;
        }

        /** Share of conversions drawn from the fast delay component, in [0, 1]. */
        public Builder conversionFastFraction(double v) {
            conversionFastFraction = v;
            return this;
        }

        /** Median delay of fast conversions after the click, ms (> 0). */
        public Builder conversionFastMedianMs(double v) {
            conversionFastMedianMs = v;
            return this;
        }

        /** Median delay of slow conversions after the click, ms (> 0). */
        public Builder conversionSlowMedianMs(double v) {
            conversionSlowMedianMs = v;
            return this;
        }

        /** Log-scale spread of both conversion delay components (≥ 0). */
        public Builder conversionDelaySigma(double v) {
            conversionDelaySigma = v;
            return this;
        }

        /** A click counts when at most this long after its impression, ms (> 0). */
        public Builder clickWindowMs(long v) {
            clickWindowMs = v;
            return this;
        }

        /** A conversion counts when at most this long after its click, ms (> 0). */
        public Builder attributionWindowMs(long v) {
            attributionWindowMs = v;
            return this;
        }

        /** Emit the numeric feature {@code price}. */
        public Builder numericFeatures(boolean v) {
            numericFeatures = v;
            return this;
        }

        /** Emit the multi-valued feature {@code hist_cats}. */
        public Builder multiValuedFeatures(boolean v) {
            multiValuedFeatures = v;
            return this;
        }

        /** Validates every setting and builds the configuration. */
        public GeneratorConfig build() {
            check(impressions > 0, "impressions must be > 0, was " + impressions);
            check(idPrefix != null && !idPrefix.isEmpty() && idPrefix.length() <= 200,
                    "idPrefix must be a non-empty string of at most 200 characters, was " + idPrefix);
            check(clickRate > 0 && clickRate <= 0.5, "clickRate must be in (0, 0.5], was " + clickRate);
            check(cvrAmongClicks > 0 && cvrAmongClicks <= 0.9,
                    "cvrAmongClicks must be in (0, 0.9], was " + cvrAmongClicks);
            check(selectionBias >= 0 && selectionBias <= 3, "selectionBias must be in [0, 3], was " + selectionBias);
            check(users >= 1, "users must be >= 1, was " + users);
            check(items >= 1, "items must be >= 1, was " + items);
            check(latentDim >= 1 && latentDim <= 256, "latentDim must be in [1, 256], was " + latentDim);
            check((long) users * latentDim <= 50_000_000L && (long) items * latentDim <= 50_000_000L,
                    "users * latentDim and items * latentDim must be <= 50,000,000 (memory), were "
                            + (long) users * latentDim + " and " + (long) items * latentDim);
            check(startTs >= 0, "startTs must be >= 0, was " + startTs);
            check(meanInterArrivalMs > 0 && meanInterArrivalMs < 1e9,
                    "meanInterArrivalMs must be in (0, 1e9), was " + meanInterArrivalMs);
            check(clickDelayMedianMs > 0, "clickDelayMedianMs must be > 0, was " + clickDelayMedianMs);
            check(clickDelaySigma >= 0 && clickDelaySigma <= 5, "clickDelaySigma must be in [0, 5], was " + clickDelaySigma);
            check(conversionFastFraction >= 0 && conversionFastFraction <= 1,
                    "conversionFastFraction must be in [0, 1], was " + conversionFastFraction);
            check(conversionFastMedianMs > 0, "conversionFastMedianMs must be > 0, was " + conversionFastMedianMs);
            check(conversionSlowMedianMs > 0, "conversionSlowMedianMs must be > 0, was " + conversionSlowMedianMs);
            check(conversionDelaySigma >= 0 && conversionDelaySigma <= 5,
                    "conversionDelaySigma must be in [0, 5], was " + conversionDelaySigma);
            check(clickWindowMs > 0, "clickWindowMs must be > 0, was " + clickWindowMs);
            check(attributionWindowMs > 0, "attributionWindowMs must be > 0, was " + attributionWindowMs);
            check(impressions * meanInterArrivalMs < 1e15,
                    "impressions * meanInterArrivalMs must stay below 1e15 ms (about 30,000 years), was "
                            + impressions * meanInterArrivalMs);
            return new GeneratorConfig(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
