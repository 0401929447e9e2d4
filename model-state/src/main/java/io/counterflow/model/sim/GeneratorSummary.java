package io.counterflow.model.sim;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;

/** What one generator run produced: counts and realised rates (all deterministic for a configuration). */
public final class GeneratorSummary {
    public long impressions;
    /** Click events, including those later than the click window. */
    public long clickEvents;
    /** Conversion events, including those later than the attribution window or of unlabeled clicks. */
    public long conversionEvents;
    /** Samples with click = 1. */
    public long labeledClicks;
    /** Samples with conversion = 1. */
    public long labeledConversions;
    /** Click events later than the click window (their impressions are labeled click = 0). */
    public long clicksOutsideWindow;
    /** Conversion events not labeled: later than the attribution window, or of a click outside its window. */
    public long conversionsNotLabeled;
    /** Conversion events later than the attribution window after their click (censored: labeled 0). */
    public long conversionsAfterAttributionWindow;
    /** Items that arrived during the run ({@code newItemsPerDay}). */
    public long newItems;
    /** Event time of the first and the last impression (0 before any). */
    public long firstTs;
    public long lastTs;
    /** Conversion events more than one day after their click. */
    long conversionsAfterOneDay;
    /** Conversion delays after the click on a log scale: bin k holds [10^(k/B), 10^((k+1)/B)) ms, B = BINS_PER_DECADE. */
    private final long[] delayBins = new long[DELAY_DECADES * BINS_PER_DECADE + 1];
    private static final int BINS_PER_DECADE = 100;
    private static final int DELAY_DECADES = 12;
    /** Sums of p and q over all impressions, and of q over impressions with a click event. */
    double sumP;
    double sumQ;
    double sumQClicked;

    /** Labeled click rate. */
    public double ctr() {
        return (double) labeledClicks / impressions;
    }

    /** Labeled conversions per labeled click (what a join with the configured windows sees). */
    public double cvrAmongClicks() {
        return labeledClicks == 0 ? Double.NaN : (double) labeledConversions / labeledClicks;
    }

    /** Conversion events per click event (before any window censoring). */
    public double eventCvrAmongClicks() {
        return clickEvents == 0 ? Double.NaN : (double) conversionEvents / clickEvents;
    }

    /** Mean click propensity p over all impressions. */
    public double meanP() {
        return sumP / impressions;
    }

    /** Mean counterfactual CVR q over all impressions (the entire exposure space). */
    public double meanQ() {
        return sumQ / impressions;
    }

    /** Mean q over impressions with a click event (the click space: higher than {@link #meanQ} under selection bias). */
    public double meanQClicked() {
        return clickEvents == 0 ? Double.NaN : sumQClicked / clickEvents;
    }

    /** Simulated days from the first to the last impression. */
    public double days() {
        return (lastTs - firstTs) / GeneratorConfig.DAY_MS;
    }

    /** Records one conversion event's delay after its click. */
    void addConversionDelay(long ms) {
        int k = (int) Math.floor(Math.log10(Math.max(1, ms)) * BINS_PER_DECADE);
        delayBins[Math.min(k, delayBins.length - 1)]++;
        if (ms > GeneratorConfig.DAY_MS) {
            conversionsAfterOneDay++;
        }
    }

    /** Share of conversion events more than one day after their click (NaN without conversions). */
    public double conversionShareAfterOneDay() {
        return conversionEvents == 0 ? Double.NaN : (double) conversionsAfterOneDay / conversionEvents;
    }

    /** Share of conversion events later than the attribution window (NaN without conversions). */
    public double conversionShareAfterAttributionWindow() {
        return conversionEvents == 0 ? Double.NaN : (double) conversionsAfterAttributionWindow / conversionEvents;
    }

    /**
     * The p-quantile of the conversion events' delays after their clicks, ms, from a log-scale histogram
     * (100 bins per decade, interpolated geometrically within a bin: relative error well below 2.3%); NaN without
     * conversions.
     */
    public double conversionDelayQuantileMs(double p) {
        long total = 0;
        for (long c : delayBins) {
            total += c;
        }
        if (total == 0) {
            return Double.NaN;
        }
        double target = p * total;
        long seen = 0;
        for (int k = 0; k < delayBins.length; k++) {
            if (delayBins[k] > 0 && seen + delayBins[k] >= target) {
                double within = Math.max(0, Math.min(1, (target - seen) / delayBins[k]));
                return Math.pow(10, (k + within) / BINS_PER_DECADE);
            }
            seen += delayBins[k];
        }
        return Math.pow(10, (double) DELAY_DECADES);
    }

    void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("impressions", impressions);
        g.writeNumberField("click_events", clickEvents);
        g.writeNumberField("conversion_events", conversionEvents);
        g.writeNumberField("labeled_clicks", labeledClicks);
        g.writeNumberField("labeled_conversions", labeledConversions);
        g.writeNumberField("clicks_outside_click_window", clicksOutsideWindow);
        g.writeNumberField("conversions_not_labeled", conversionsNotLabeled);
        g.writeNumberField("conversions_after_attribution_window", conversionsAfterAttributionWindow);
        g.writeNumberField("new_items", newItems);
        g.writeEndObject();
    }

    void writeRates(JsonGenerator g) throws IOException {
        g.writeStartObject();
        number(g, "ctr", ctr());
        number(g, "cvr_among_clicks", cvrAmongClicks());
        number(g, "event_cvr_among_clicks", eventCvrAmongClicks());
        number(g, "mean_p", meanP());
        number(g, "mean_q", meanQ());
        number(g, "mean_q_clicked", meanQClicked());
        number(g, "days", days());
        g.writeEndObject();
    }

    /** Realised conversion delays after the click, next to the configured model's values. */
    void writeDelays(JsonGenerator g, GeneratorConfig config) throws IOException {
        g.writeStartObject();
        number(g, "median_ms", conversionDelayQuantileMs(0.5));
        number(g, "p90_ms", conversionDelayQuantileMs(0.9));
        number(g, "p99_ms", conversionDelayQuantileMs(0.99));
        number(g, "share_after_one_day", conversionShareAfterOneDay());
        number(g, "share_after_attribution_window", conversionShareAfterAttributionWindow());
        number(g, "model_median_ms", config.conversionDelayQuantileMs(0.5));
        number(g, "model_share_after_one_day", 1 - config.conversionDelayCdf(GeneratorConfig.DAY_MS));
        number(g, "model_share_after_attribution_window", 1 - config.conversionDelayCdf(config.attributionWindowMs));
        g.writeEndObject();
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
        return String.format(java.util.Locale.ROOT,
                "%d impressions, %d clicks (ctr %.4f), %d conversions (cvr among clicks %.4f), mean q %.4f, "
                        + "mean q among clicked %.4f",
                impressions, labeledClicks, ctr(), labeledConversions, cvrAmongClicks(), meanQ(), meanQClicked());
    }
}
