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
    /** One day in milliseconds: the unit of every per-day setting. */
    public static final double DAY_MS = 86_400_000.0;

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
    public final double cvrDriftAmplitude;
    public final double cvrDriftPeriodDays;
    public final double popularityShiftPerDay;
    public final double newItemsPerDay;

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
        cvrDriftAmplitude = b.cvrDriftAmplitude;
        cvrDriftPeriodDays = b.cvrDriftPeriodDays;
        popularityShiftPerDay = b.popularityShiftPerDay;
        newItemsPerDay = b.newItemsPerDay;
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
        b.cvrDriftAmplitude = cvrDriftAmplitude;
        b.cvrDriftPeriodDays = cvrDriftPeriodDays;
        b.popularityShiftPerDay = popularityShiftPerDay;
        b.newItemsPerDay = newItemsPerDay;
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
        m.put("cvrDriftAmplitude", cvrDriftAmplitude);
        m.put("cvrDriftPeriodDays", cvrDriftPeriodDays);
        m.put("popularityShiftPerDay", popularityShiftPerDay);
        m.put("newItemsPerDay", newItemsPerDay);
        return m;
    }

    @Override
    public String toString() {
        return "GeneratorConfig" + toMap();
    }

    /** Whether any drift setting is on (the world moves). */
    public boolean drifts() {
        return cvrDriftAmplitude > 0 || popularityShiftPerDay > 0 || newItemsPerDay > 0;
    }

    /**
     * P(conversion delay after the click ≤ ms) under the configured mixture: f·Φ((ln ms − ln m_fast)/σ) +
     * (1 − f)·Φ((ln ms − ln m_slow)/σ), before the 1 ms floor and any window.
     */
    public double conversionDelayCdf(double ms) {
        double f = conversionFastFraction;
        return f * Lognormal.cdf(ms, conversionFastMedianMs, conversionDelaySigma)
                + (1 - f) * Lognormal.cdf(ms, conversionSlowMedianMs, conversionDelaySigma);
    }

    /** The p-quantile of the configured conversion delay, ms (p in (0, 1)), by bisection on its CDF. */
    public double conversionDelayQuantileMs(double p) {
        return Lognormal.quantile(this::conversionDelayCdf, p);
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
        private double cvrDriftAmplitude = 0;
        private double cvrDriftPeriodDays = 14;
        private double popularityShiftPerDay = 0;
        private double newItemsPerDay = 0;

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

        /**
         * Share of conversions drawn from the fast delay component, in [0, 1]. The conversion delay after the
         * click is lognormal, median {@code conversionFastMedianMs} with this probability, else
         * {@code conversionSlowMedianMs}, both with spread {@code conversionDelaySigma}; see
         * {@link #conversionDelayLognormal} and {@link #conversionDelayShareAfterOneDay} for a single lognormal.
         */
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

        /**
         * A conversion counts when at most this long after its click, ms (> 0), inclusive, as the label join's
         * {@code counterflow.join.attribution-window}: a later conversion is still emitted as an event (the
         * join dead-letters it as {@code CONVERSION_OUTSIDE_WINDOW}) but its sample is labeled conversion = 0.
         */
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

        /**
         * Amplitude, in logit units, of each item's conversion drift: {@code logit q} gains
         * {@code cvrDriftAmplitude · sin(2π · t / cvrDriftPeriodDays + φ(item))}, t in days since {@code startTs},
         * φ a per-item phase fixed by {@code seed}. In [0, 3]; 0 (the default) is a world that does not move.
         */
        public Builder cvrDriftAmplitude(double v) {
            cvrDriftAmplitude = v;
            return this;
        }

        /** Period of the conversion drift, in days (> 0; used only when {@code cvrDriftAmplitude} > 0). */
        public Builder cvrDriftPeriodDays(double v) {
            cvrDriftPeriodDays = v;
            return this;
        }

        /**
         * Share of the catalogue by which the Zipf popularity ranking rotates per day, in [0, 1]: the item at
         * rank k + s(t) takes rank k, s(t) = ⌊popularityShiftPerDay · t · items(t)⌋ (t in days). 0: fixed ranking.
         */
        public Builder popularityShiftPerDay(double v) {
            popularityShiftPerDay = v;
            return this;
        }

        /**
         * Rate of new items per day (a Poisson process from {@code startTs}), in [0, 1e6]. A new item is drawn
         * from the same prior as the initial ones, gets the next id ({@code i<items>}, {@code i<items+1>}, …), joins
         * its category's pool and takes a uniformly random popularity rank (the item there moves to the tail).
         */
        public Builder newItemsPerDay(double v) {
            newItemsPerDay = v;
            return this;
        }

        /**
         * A single lognormal conversion delay after the click: median {@code medianMs}, log-scale spread
         * {@code sigma} (the mixture's fast component alone: {@code conversionFastFraction} = 1).
         */
        public Builder conversionDelayLognormal(double medianMs, double sigma) {
            conversionFastFraction = 1;
            conversionFastMedianMs = medianMs;
            conversionDelaySigma = sigma;
            return this;
        }

        /**
         * A single lognormal conversion delay with median {@code medianMs} and the given share of conversions
         * later than one day after the click: σ = ln(1 day / median) / Φ⁻¹(1 − share). The share must be in
         * (0, 0.5) when the median is below one day, and σ must come out in (0, 5].
         */
        public Builder conversionDelayShareAfterOneDay(double medianMs, double shareAfterOneDay) {
            check(medianMs > 0 && medianMs < DAY_MS, "conversion delay median must be in (0, 1 day) to set the "
                    + "share after one day, was " + medianMs + " ms");
            check(shareAfterOneDay > 0 && shareAfterOneDay < 0.5,
                    "conversion share after one day must be in (0, 0.5), was " + shareAfterOneDay);
            double sigma = Math.log(DAY_MS / medianMs) / Lognormal.inverseNormalCdf(1 - shareAfterOneDay);
            check(sigma <= 5, "conversion share after one day " + shareAfterOneDay + " with median " + medianMs
                    + " ms needs sigma " + sigma + ", more than 5");
            return conversionDelayLognormal(medianMs, sigma);
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
            check(cvrDriftAmplitude >= 0 && cvrDriftAmplitude <= 3,
                    "cvrDriftAmplitude must be in [0, 3], was " + cvrDriftAmplitude);
            check(cvrDriftPeriodDays > 0 && cvrDriftPeriodDays <= 1e6,
                    "cvrDriftPeriodDays must be in (0, 1e6], was " + cvrDriftPeriodDays);
            check(popularityShiftPerDay >= 0 && popularityShiftPerDay <= 1,
                    "popularityShiftPerDay must be in [0, 1], was " + popularityShiftPerDay);
            check(newItemsPerDay >= 0 && newItemsPerDay <= 1e6,
                    "newItemsPerDay must be in [0, 1e6], was " + newItemsPerDay);
            double expectedNewItems = newItemsPerDay * impressions * meanInterArrivalMs / DAY_MS;
            check((items + 1.2 * expectedNewItems + 100) * latentDim <= 50_000_000L || newItemsPerDay == 0,
                    "newItemsPerDay must keep (items + new items) * latentDim <= 50,000,000 (memory), expected "
                            + (long) expectedNewItems + " new items");
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
