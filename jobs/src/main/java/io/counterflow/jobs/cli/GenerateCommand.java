package io.counterflow.jobs.cli;

import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import io.counterflow.model.sim.GeneratorSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** counterflow generate: simulated events and labeled samples with ground truth (CONTRACT.md). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write simulated impressions.jsonl, clicks.jsonl, conversions.jsonl (event-time order) and "
                + "samples.jsonl (the labels an event-time join produces), all carrying truth {ctr, cvr}, and "
                + "outcomes.jsonl (per impression: final labels, click and conversion delays). See docs/generator.md.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--impressions", defaultValue = "100000", description = "Impressions (default ${DEFAULT-VALUE}).")
    long impressions;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulated world (users, items, "
            + "propensities); default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--stream-seed", description = "Seed of the impression stream (default: --seed). Same --seed "
            + "with another --stream-seed gives a held-out set from the same world.")
    Long streamSeed;

    @Option(names = "--start-ts", description = "Event time of the first impression (epoch ms).")
    Long startTs;

    @Option(names = "--id-prefix", description = "Prefix of impression ids.")
    String idPrefix;

    @Option(names = "--click-rate", description = "Target click rate (default 0.04).")
    Double clickRate;

    @Option(names = "--cvr", description = "Target conversion rate among clicks (default 0.10).")
    Double cvr;

    @Option(names = "--selection-bias", description = "Strength of the p–q correlation (0 = none; default 1).")
    Double selectionBias;

    @Option(names = "--users", description = "Users in the world (default 10000). Fewer users means more impressions "
            + "per user, so the user-item affinity that drives both clicks and conversions becomes learnable.")
    Integer users;

    @Option(names = "--items", description = "Items in the world (default 2000).")
    Integer items;

    @Option(names = "--latent-dim", description = "Dimension of the user and item latent factors (default 8).")
    Integer latentDim;

    @Option(names = "--days", description = "Spread the impressions over this many days of event time (sets the mean "
            + "gap between impressions; default: a gap of 100 ms).")
    Double days;

    @Option(names = "--drift-amplitude", description = "Amplitude, in logit units, of each item's sinusoidal "
            + "conversion drift (default 0: no drift).")
    Double driftAmplitude;

    @Option(names = "--drift-period", description = "Period of the conversion drift in days (default 14).")
    Double driftPeriod;

    @Option(names = "--popularity-shift", description = "Share of the catalogue by which the item popularity "
            + "ranking rotates per day, in [0, 1] (default 0).")
    Double popularityShift;

    @Option(names = "--new-items-per-day", description = "Rate of new items per day, which start with no history "
            + "(default 0).")
    Double newItemsPerDay;

    @Option(names = "--click-window", description = "Click window of the labels, ISO-8601 duration as for stream "
            + "(default PT30M).")
    Duration clickWindow;

    @Option(names = "--attribution-window", description = "Attribution window of the labels after the click, "
            + "ISO-8601 duration as for stream (default P7D); later conversions are emitted but labeled 0, as the "
            + "join does.")
    Duration attributionWindow;

    @Option(names = "--conversion-delay-median", description = "Median conversion delay after the click, ISO-8601 "
            + "duration (e.g. PT30M): a single lognormal instead of the default two-component mixture.")
    Duration conversionDelayMedian;

    @Option(names = "--conversion-delay-sigma", description = "Log-scale spread of the conversion delay (default 1).")
    Double conversionDelaySigma;

    @Option(names = "--conversion-share-after-day", description = "Share of conversions later than one day after the "
            + "click, in (0, 0.5); with --conversion-delay-median, sets the spread instead of "
            + "--conversion-delay-sigma.")
    Double conversionShareAfterDay;

    @Override
    public Integer call() throws Exception {
        CliInputs.outputDirectory("--out", out);
        GeneratorConfig.Builder b = GeneratorConfig.builder().impressions(impressions).seed(seed);
        if (streamSeed != null) {
            b.streamSeed(streamSeed);
        }
        if (startTs != null) {
            b.startTs(startTs);
        }
        if (idPrefix != null) {
            b.idPrefix(idPrefix);
        }
        if (clickRate != null) {
            b.clickRate(clickRate);
        }
        if (cvr != null) {
            b.cvrAmongClicks(cvr);
        }
        if (selectionBias != null) {
            b.selectionBias(selectionBias);
        }
        if (users != null) {
            b.users(users);
        }
        if (items != null) {
            b.items(items);
        }
        if (latentDim != null) {
            b.latentDim(latentDim);
        }
        if (days != null) {
            if (!(days > 0 && days <= 1e6)) {
                throw new IllegalArgumentException("--days must be in (0, 1e6], was " + days);
            }
            b.meanInterArrivalMs(days * GeneratorConfig.DAY_MS / impressions);
        }
        if (driftAmplitude != null) {
            b.cvrDriftAmplitude(driftAmplitude);
        }
        if (driftPeriod != null) {
            b.cvrDriftPeriodDays(driftPeriod);
        }
        if (popularityShift != null) {
            b.popularityShiftPerDay(popularityShift);
        }
        if (newItemsPerDay != null) {
            b.newItemsPerDay(newItemsPerDay);
        }
        if (clickWindow != null) {
            b.clickWindowMs(clickWindow.toMillis());
        }
        if (attributionWindow != null) {
            b.attributionWindowMs(attributionWindow.toMillis());
        }
        conversionDelay(b);
        long t0 = System.nanoTime();
        GeneratorSummary s = new Generator(b.build()).writeTo(out);
        double sec = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "wrote %,d impressions over %.2f days to %s in %.1f s: CTR %.4f, CVR among "
                + "clicks %.4f, mean q %.4f overall vs %.4f among clicked; conversion delay median %.1f min, "
                + "p90 %.1f h, %.1f%% after one day, %.1f%% after the attribution window; %d new items%n",
                s.impressions, s.days(), out, sec, s.ctr(), s.cvrAmongClicks(), s.meanQ(), s.meanQClicked(),
                s.conversionDelayQuantileMs(0.5) / 60_000, s.conversionDelayQuantileMs(0.9) / 3_600_000,
                100 * s.conversionShareAfterOneDay(), 100 * s.conversionShareAfterAttributionWindow(), s.newItems);
        return 0;
    }

    /** The conversion delay flags: a median makes the delay one lognormal; its spread from a sigma or a share. */
    private void conversionDelay(GeneratorConfig.Builder b) {
        if (conversionShareAfterDay != null && conversionDelayMedian == null) {
            throw new IllegalArgumentException("--conversion-share-after-day needs --conversion-delay-median");
        }
        if (conversionShareAfterDay != null && conversionDelaySigma != null) {
            throw new IllegalArgumentException(
                    "give --conversion-delay-sigma or --conversion-share-after-day, not both");
        }
        if (conversionDelayMedian == null) {
            if (conversionDelaySigma != null) {
                b.conversionDelaySigma(conversionDelaySigma);
            }
            return;
        }
        double medianMs = conversionDelayMedian.toMillis();
        if (conversionShareAfterDay != null) {
            b.conversionDelayShareAfterOneDay(medianMs, conversionShareAfterDay);
        } else {
            b.conversionDelayLognormal(medianMs,
                    conversionDelaySigma != null ? conversionDelaySigma : GeneratorConfig.defaults().conversionDelaySigma);
        }
    }
}
