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

    void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("impressions", impressions);
        g.writeNumberField("click_events", clickEvents);
        g.writeNumberField("conversion_events", conversionEvents);
        g.writeNumberField("labeled_clicks", labeledClicks);
        g.writeNumberField("labeled_conversions", labeledConversions);
        g.writeNumberField("clicks_outside_click_window", clicksOutsideWindow);
        g.writeNumberField("conversions_not_labeled", conversionsNotLabeled);
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
