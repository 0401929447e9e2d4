package io.counterflow.operators.join;

import io.counterflow.model.feedback.Labeling;
import io.counterflow.model.settings.Setting;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

import java.io.Serializable;
import java.time.Duration;

/**
 * The label join's settings, each declared once below. Immutable and validated on construction; build with
 * {@link #builder()} or read from a Flink configuration with {@link #fromConfig(ReadableConfig)}.
 */
public final class LabelJoinSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A click counts if {@code ts_click - ts_imp} is in {@code [0, clickWindow]}. */
    public static final Setting<Duration> CLICK_WINDOW = Setting.of(
            ConfigOptions.key("counterflow.join.click-window").durationType().defaultValue(Duration.ofMinutes(30))
                    .withDescription("A click counts if ts_click - ts_impression is in [0, click-window]. An"
                            + " unclicked impression's sample is final when the watermark reaches"
                            + " ts_impression + click-window."),
            "positive", d -> !d.isNegative() && !d.isZero());

    /** A conversion counts if the impression was clicked and {@code ts_conv - ts_click} is in {@code [0, w]}. */
    public static final Setting<Duration> ATTRIBUTION_WINDOW = Setting.of(
            ConfigOptions.key("counterflow.join.attribution-window").durationType().defaultValue(Duration.ofDays(7))
                    .withDescription("A conversion counts if its impression was clicked and ts_conversion -"
                            + " ts_click is in [0, attribution-window]. A clicked, unconverted impression's sample"
                            + " is final when the watermark reaches ts_click + attribution-window."),
            "positive", d -> !d.isNegative() && !d.isZero());

    /**
     * How far behind the watermark an event may be and still be used, and how long clicks/conversions that
     * arrived before their impression wait for it. Default: the sources' watermark bound (10 min).
     */
    public static final Setting<Duration> ALLOWED_LATENESS = Setting.of(
            ConfigOptions.key("counterflow.join.allowed-lateness").durationType().defaultValue(Duration.ofMinutes(10))
                    .withDescription("Events with ts + allowed-lateness < watermark are LATE_EVENT dead letters;"
                            + " clicks and conversions that arrive before their impression wait until the"
                            + " watermark passes their ts + allowed-lateness (then UNKNOWN_IMPRESSION); a final"
                            + " impression keeps a tombstone until its window end + allowed-lateness. Set it"
                            + " to the sources' watermark bound."),
            "zero or positive", d -> !d.isNegative());

    /** Bound on buffered early events (and conversions waiting for their click) per impression id. */
    public static final Setting<Integer> MAX_BUFFERED_EARLY_EVENTS = Setting.of(
            ConfigOptions.key("counterflow.join.max-buffered-early-events").intType().defaultValue(16)
                    .withDescription("At most this many clicks/conversions are buffered per impression id while"
                            + " they wait for their impression (or a conversion for its click); more go to the"
                            + " dead-letter output. Bounds the join's state per key."),
            "between 1 and 100000", n -> n >= 1 && n <= 100_000);

    /**
     * Default of {@link #LABELING_POLICY}, a constant so that command-line defaults can name it: es-dfm, the winner of
     * docs/delayed-feedback.md (within noise of defer in the event-time comparison, and robust to the watermark jumps
     * of a real job, where defer's final copies arrive as one burst).
     */
    public static final String DEFAULT_LABELING_POLICY = "es-dfm";

    /**
     * Which rows the join emits for an impression and when ({@link Labeling}; the trainer weights them by the
     * same name). {@code oracle} is a valid name (simulations read it) but the join rejects it.
     */
    public static final Setting<String> LABELING_POLICY = Setting.of(
            ConfigOptions.key("counterflow.labeling.policy").stringType().defaultValue(DEFAULT_LABELING_POLICY)
                    .withDescription("Labeling policy: wait (one row per impression when its labels are final),"
                            + " fnw (a clicked impression at the click as a negative, a positive copy at"
                            + " conversion), es-dfm (a clicked impression after the elapsed time with the label"
                            + " seen by then, a positive copy on a later conversion) or defer (as es-dfm, plus a"
                            + " copy with the final label at attribution-window close). The trainer must use the"
                            + " same policy. oracle is for simulations only; the join rejects it."),
            "one of wait, fnw, es-dfm, defer, oracle", LabelJoinSettings::isLabelingName);

    /** Default of {@link #LABELING_ELAPSED} as ISO-8601, a constant so that command-line defaults can name it. */
    public static final String DEFAULT_LABELING_ELAPSED = "PT15M";

    /** The elapsed time {@code c} of es-dfm and defer: a clicked impression's first row waits this long. */
    public static final Setting<Duration> LABELING_ELAPSED = Setting.of(
            ConfigOptions.key("counterflow.labeling.elapsed").durationType()
                    .defaultValue(Duration.parse(DEFAULT_LABELING_ELAPSED))
                    .withDescription("Elapsed time c of the es-dfm and defer policies: a clicked impression's"
                            + " first row is emitted when the watermark reaches ts_click + c, with the"
                            + " conversion observed by then. At most the attribution window; it may exceed the"
                            + " click window. fnw emits at the click (c = 0) and wait does not use it."),
            "zero or positive", d -> !d.isNegative());

    /** Every setting of the label join, in documentation order. */
    public static final java.util.List<Setting<?>> SETTINGS = java.util.List.of(CLICK_WINDOW, ATTRIBUTION_WINDOW, ALLOWED_LATENESS,
            MAX_BUFFERED_EARLY_EVENTS, LABELING_POLICY, LABELING_ELAPSED);

    private final long clickWindowMs;
    private final long attributionWindowMs;
    private final long allowedLatenessMs;
    private final int maxBufferedEarlyEvents;
    private final Labeling labeling;
    private final long labelingElapsedMs;

    private LabelJoinSettings(Builder b) {
        this.clickWindowMs = CLICK_WINDOW.check(b.clickWindow).toMillis();
        this.attributionWindowMs = ATTRIBUTION_WINDOW.check(b.attributionWindow).toMillis();
        this.allowedLatenessMs = ALLOWED_LATENESS.check(b.allowedLateness).toMillis();
        this.maxBufferedEarlyEvents = MAX_BUFFERED_EARLY_EVENTS.check(b.maxBufferedEarlyEvents);
        this.labeling = Labeling.of(LABELING_POLICY.check(b.labeling));
        this.labelingElapsedMs = LABELING_ELAPSED.check(b.labelingElapsed).toMillis();
        // Only the policies that wait c need c <= aw (their first row must come by the window end); checking it
        // for the others would reject a short attribution window over a setting they never read.
        if (usesElapsed(labeling) && labelingElapsedMs > attributionWindowMs) {
            throw new IllegalArgumentException(LABELING_ELAPSED.key() + " must be at most "
                    + ATTRIBUTION_WINDOW.key() + " for policy " + labeling.cliName() + " (got "
                    + b.labelingElapsed + " > " + b.attributionWindow + ")");
        }
    }

    private static boolean isLabelingName(String name) {
        try {
            Labeling.of(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The policies whose first row of a clicked impression waits the elapsed time. */
    private static boolean usesElapsed(Labeling l) {
        return l == Labeling.ES_DFM || l == Labeling.DEFER;
    }

    public static LabelJoinSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads every setting from {@code config} (defaults where absent) and validates it. */
    public static LabelJoinSettings fromConfig(ReadableConfig config) {
        return builder().clickWindow(config.get(CLICK_WINDOW.option()))
                .attributionWindow(config.get(ATTRIBUTION_WINDOW.option()))
                .allowedLateness(config.get(ALLOWED_LATENESS.option()))
                .maxBufferedEarlyEvents(config.get(MAX_BUFFERED_EARLY_EVENTS.option()))
                .labeling(config.get(LABELING_POLICY.option())).labelingElapsed(config.get(LABELING_ELAPSED.option()))
                .build();
    }

    public long clickWindowMs() {
        return clickWindowMs;
    }

    public long attributionWindowMs() {
        return attributionWindowMs;
    }

    public long allowedLatenessMs() {
        return allowedLatenessMs;
    }

    public int maxBufferedEarlyEvents() {
        return maxBufferedEarlyEvents;
    }

    /** The labeling policy ({@link #LABELING_POLICY}); the trainer must weight rows by the same one. */
    public Labeling labeling() {
        return labeling;
    }

    /**
     * The elapsed time {@code c} in ms ({@link #LABELING_ELAPSED}) as configured, whatever the policy: es-dfm and
     * defer use it, fnw emits at the click (c = 0), wait ignores it.
     */
    public long labelingElapsedMs() {
        return labelingElapsedMs;
    }

    @Override
    public String toString() {
        return "LabelJoinSettings{clickWindowMs=" + clickWindowMs + ", attributionWindowMs=" + attributionWindowMs
                + ", allowedLatenessMs=" + allowedLatenessMs + ", maxBufferedEarlyEvents=" + maxBufferedEarlyEvents
                + ", labeling=" + labeling.cliName() + ", labelingElapsedMs=" + labelingElapsedMs + "}";
    }

    /** Builder; every value starts at its setting's default. */
    public static final class Builder {
        private Duration clickWindow = CLICK_WINDOW.defaultValue();
        private Duration attributionWindow = ATTRIBUTION_WINDOW.defaultValue();
        private Duration allowedLateness = ALLOWED_LATENESS.defaultValue();
        private Integer maxBufferedEarlyEvents = MAX_BUFFERED_EARLY_EVENTS.defaultValue();
        private String labeling = LABELING_POLICY.defaultValue();
        private Duration labelingElapsed = LABELING_ELAPSED.defaultValue();

        private Builder() {}

        public Builder clickWindow(Duration d) {
            this.clickWindow = d;
            return this;
        }

        public Builder attributionWindow(Duration d) {
            this.attributionWindow = d;
            return this;
        }

        public Builder allowedLateness(Duration d) {
            this.allowedLateness = d;
            return this;
        }

        public Builder maxBufferedEarlyEvents(int n) {
            this.maxBufferedEarlyEvents = n;
            return this;
        }

        /** A policy name ({@link Labeling#cliName()}, e.g. {@code es-dfm}); validated in {@link #build()}. */
        public Builder labeling(String name) {
            this.labeling = name;
            return this;
        }

        public Builder labeling(Labeling l) {
            this.labeling = l.cliName();
            return this;
        }

        public Builder labelingElapsed(Duration c) {
            this.labelingElapsed = c;
            return this;
        }

        /** Validates every value; the exception message names the offending setting's key. */
        public LabelJoinSettings build() {
            return new LabelJoinSettings(this);
        }
    }
}
