package io.counterflow.model.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Impression;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The moving world: conversion drift, new items, long-tailed conversion delays, censoring and outcomes.jsonl. */
class GeneratorDriftTest {
    private static final double DAY = GeneratorConfig.DAY_MS;
    private static final double MINUTE = 60_000;

    @TempDir
    Path dir;

    /** A small catalogue over {@code days} days, so that the top items get hundreds of impressions a day. */
    private static GeneratorConfig.Builder world(long impressions, double days) {
        GeneratorConfig.Builder b = GeneratorConfig.builder().impressions(impressions).users(2_000).items(40);
        return b.meanInterArrivalMs(days * DAY / impressions);
    }

    @Test
    void conversionDriftMovesAFixedItemsTrueCvrAlongASinusoidOfTheConfiguredAmplitude() throws IOException {
        double amplitude = 0.5;
        double period = 18;
        GeneratorConfig.Builder b = world(150_000, period).cvrDriftPeriodDays(period);
        Fit drift = fitItem(new Generator(b.cvrDriftAmplitude(amplitude).build()), "i0", period);
        Fit still = fitItem(new Generator(b.cvrDriftAmplitude(0).build()), "i0", period);

        assertThat(drift.n).isGreaterThan(10_000);
        // least squares of logit q on [1, sin ωt, cos ωt]: amplitude √(b² + c²) is the configured one
        assertThat(drift.amplitude()).isCloseTo(amplitude, within(0.05));
        assertThat(still.amplitude()).isLessThan(0.05);
        // day 1 and day 10 are half a period apart: the item's mean logit q moves by the sinusoid's swing there,
        // at most 2 · amplitude, and in the direction the fit predicts
        double swing = drift.dayMean[1] - drift.dayMean[10];
        double predicted = drift.at(1.5) - drift.at(10.5);
        assertThat(Math.abs(swing)).isLessThanOrEqualTo(2 * amplitude + 0.1);
        assertThat(swing).isCloseTo(predicted, within(0.15));
        assertThat(Math.abs(still.dayMean[1] - still.dayMean[10])).isLessThan(0.15);
        // the drifted world is what truth reports: mean true CVR of the item on its best and worst days
        assertThat(drift.maxDayCvr / drift.minDayCvr).isGreaterThan(1.8); // e^(2·0.5) ≈ 2.7 at the logit's scale
    }

    @Test
    void withDriftTheRealisedRatesStillHitTheTargetsOverAPeriod() throws IOException {
        GeneratorSummary s = new Generator(GeneratorConfig.builder().impressions(200_000)
                .meanInterArrivalMs(7 * DAY / 200_000).cvrDriftAmplitude(0.8).cvrDriftPeriodDays(7).build())
                .forEach((imp, click, conv, sample) -> { });
        assertThat(s.ctr()).isCloseTo(0.04, within(0.004));
        assertThat(s.eventCvrAmongClicks()).isCloseTo(0.10, within(0.012));
    }

    @Test
    void newItemsArriveAfterDayZeroAtTheConfiguredRateAndStartWithoutHistory() throws IOException {
        double rate = 30;
        int days = 10;
        GeneratorConfig config = world(100_000, days).items(200).newItemsPerDay(rate).build();
        GeneratorSummary summary = new Generator(config).writeTo(dir);
        assertThat(summary.newItems).isCloseTo((long) (rate * days), within(45L));

        Map<String, Long> arrival = new HashMap<>();
        Map<String, Long> firstSeen = new HashMap<>();
        long[] perDayNew = new long[days + 1];
        long[] perDayImpressions = new long[days + 1];
        long[] perDayOnNewItems = new long[days + 1];
        List<String> problems = new ArrayList<>();
        forEachLine(dir.resolve(Generator.OUTCOMES_FILE), o -> {
            String item = o.get("item_id").asText();
            long ts = o.get("ts").asLong();
            int day = (int) ((ts - config.startTs) / DAY);
            perDayImpressions[day]++;
            boolean isNew = Integer.parseInt(item.substring(1)) >= config.items;
            if (isNew != !o.get("item_arrival_ts").isNull()) {
                problems.add("arrival ts iff new: " + o);
            }
            if (!isNew) {
                return;
            }
            perDayOnNewItems[day]++;
            long at = o.get("item_arrival_ts").asLong();
            if (at > ts || at <= config.startTs) {
                problems.add("shown before its arrival: " + o);
            }
            if (arrival.put(item, at) == null) {
                firstSeen.put(item, ts);
                perDayNew[(int) ((at - config.startTs) / DAY)]++;
            }
        });
        assertThat(problems).isEmpty();
        // nearly every new item is shown soon after it arrives (it joins its category's pool and takes a rank)
        assertThat((double) arrival.size()).isGreaterThan(0.85 * summary.newItems);
        long late = firstSeen.entrySet().stream().filter(e -> e.getValue() - arrival.get(e.getKey()) > DAY).count();
        assertThat(late).isLessThan(arrival.size() / 10);
        // the rate holds over the run: both halves see about half the arrivals
        long firstHalf = Arrays.stream(perDayNew, 0, days / 2).sum();
        long secondHalf = Arrays.stream(perDayNew, days / 2, days + 1).sum();
        assertThat(firstHalf).isCloseTo((long) (rate * days / 2), within(35L));
        assertThat(secondHalf).isCloseTo((long) (rate * days / 2), within(35L));
        // a new item gets, in expectation, an average item's traffic (a uniform rank and its category's pool), so
        // the new items' share of a day's traffic follows their share of the catalogue (≈ 35/235 on day 1,
        // ≈ 285/485 on day 9), up to the Zipf law's lumps (a new item may land on a head rank)
        double shareDay1 = (double) perDayOnNewItems[1] / perDayImpressions[1];
        double shareDay9 = (double) perDayOnNewItems[9] / perDayImpressions[9];
        assertThat(shareDay1).isCloseTo(rate * 1.5 / (config.items + rate * 1.5), within(0.1));
        assertThat(shareDay9).isCloseTo(rate * 9.5 / (config.items + rate * 9.5), within(0.12))
                .isGreaterThan(2 * shareDay1);
    }

    @Test
    void popularityRotationMovesTheMostShownItem() throws IOException {
        GeneratorConfig config = world(60_000, 6).popularityShiftPerDay(0.1).build();
        Map<String, long[]> counts = new HashMap<>();
        new Generator(config).forEach((imp, click, conv, sample) -> {
            int day = (int) ((imp.ts - config.startTs) / DAY);
            counts.computeIfAbsent(imp.features.catValues[1], k -> new long[8])[day]++;
        });
        // rank k shows item k + ⌊0.1 · t · 40⌋ (mod 40): i3 holds ranks 3..0 on day 0 and 23..20 on day 5, i24
        // ranks 24..21 on day 0 and 4..1 on day 5 (the category pools add the same traffic on both days)
        assertThat(counts.get("i3")[0]).isGreaterThan(2 * counts.get("i3")[5]);
        assertThat(counts.get("i24")[5]).isGreaterThan(2 * counts.get("i24")[0]);
        GeneratorConfig still = world(60_000, 6).build();
        Map<String, long[]> fixed = new HashMap<>();
        new Generator(still).forEach((imp, click, conv, sample) -> {
            int day = (int) ((imp.ts - still.startTs) / DAY);
            fixed.computeIfAbsent(imp.features.catValues[1], k -> new long[8])[day]++;
        });
        assertThat((double) fixed.get("i24")[5] / fixed.get("i24")[0]).isCloseTo(1, within(0.3));
    }

    @Test
    void lognormalDelaysHaveTheConfiguredMedianAndShareAfterOneDayAndAreCensoredByTheWindow() throws IOException {
        GeneratorConfig config = GeneratorConfig.builder().impressions(60_000).users(2_000).items(500).clickRate(0.5)
                .cvrAmongClicks(0.6).conversionDelayShareAfterOneDay(30 * MINUTE, 0.10).build();
        assertThat(config.conversionFastFraction).isEqualTo(1);
        assertThat(config.conversionDelayQuantileMs(0.5)).isCloseTo(30 * MINUTE, within(1.0));
        assertThat(1 - config.conversionDelayCdf(DAY)).isCloseTo(0.10, within(1e-6));
        double modelAfterWindow = 1 - config.conversionDelayCdf(config.attributionWindowMs);

        List<Long> delays = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        GeneratorSummary s = new Generator(config).forEach((imp, click, conv, sample) -> {
            if (conv == null) {
                return;
            }
            long delay = conv.ts - click.ts;
            delays.add(delay);
            boolean counts = click.ts - imp.ts <= config.clickWindowMs && delay <= config.attributionWindowMs;
            if (sample.conversion != (counts ? 1 : 0)) {
                problems.add("label of " + sample.id + " with delay " + delay);
            }
        });
        assertThat(problems).isEmpty();
        assertThat(delays).hasSizeGreaterThan(12_000);
        long[] sorted = delays.stream().mapToLong(Long::longValue).sorted().toArray();
        double median = sorted[sorted.length / 2];
        double afterDay = Arrays.stream(sorted).filter(d -> d > DAY).count() / (double) sorted.length;
        double afterWindow =
                Arrays.stream(sorted).filter(d -> d > config.attributionWindowMs).count() / (double) sorted.length;
        assertThat(median / (30 * MINUTE)).isCloseTo(1, within(0.08));
        assertThat(afterDay).isCloseTo(0.10, within(0.012));
        assertThat(afterWindow).isCloseTo(modelAfterWindow, within(0.006)).isPositive();
        // the summary's histogram agrees with the exact sample
        assertThat(s.conversionDelayQuantileMs(0.5) / median).isCloseTo(1, within(0.025));
        assertThat(s.conversionDelayQuantileMs(0.9) / sorted[(int) (0.9 * sorted.length)]).isCloseTo(1, within(0.025));
        assertThat(s.conversionShareAfterOneDay()).isEqualTo(afterDay);
        assertThat(s.conversionShareAfterAttributionWindow()).isEqualTo(afterWindow);
        assertThat(s.conversionsAfterAttributionWindow).isEqualTo(Math.round(afterWindow * sorted.length));
    }

    @Test
    void theDefaultMixtureDelayMatchesItsModel() throws IOException {
        GeneratorConfig config = GeneratorConfig.builder().impressions(20_000).users(2_000).items(500).clickRate(0.5)
                .cvrAmongClicks(0.5).build();
        GeneratorSummary s = new Generator(config).forEach((imp, click, conv, sample) -> { });
        assertThat(1 - config.conversionDelayCdf(DAY)).isCloseTo(0.25, within(1e-4));
        assertThat(s.conversionEvents).isGreaterThan(4_000);
        assertThat(s.conversionShareAfterOneDay()).isCloseTo(0.25, within(0.02));
        // the mixture's median lies between its components, where the density is low and a sample median is
        // unstable: compare the CDF there instead
        double[] below = new double[2];
        new Generator(config).forEach((imp, click, conv, sample) -> {
            if (conv != null) {
                below[0] += conv.ts - click.ts <= config.conversionDelayQuantileMs(0.5) ? 1 : 0;
                below[1]++;
            }
        });
        assertThat(below[0] / below[1]).isCloseTo(0.5, within(0.02));
    }

    @Test
    void outcomesFileHoldsEachImpressionsFinalLabelsAndDelays() throws IOException {
        GeneratorConfig config = GeneratorConfig.builder().impressions(5_000).users(500).items(100).clickRate(0.2)
                .cvrAmongClicks(0.5).clickWindowMs(60_000).attributionWindowMs(3_600_000).build();
        GeneratorSummary summary = new Generator(config).writeTo(dir);
        Map<String, Long> impressionTs = new HashMap<>();
        forEachLine(dir.resolve("impressions.jsonl"), o -> impressionTs.put(o.get("id").asText(), o.get("ts").asLong()));
        Map<String, Long> clickTs = new HashMap<>();
        forEachLine(dir.resolve("clicks.jsonl"), o -> clickTs.put(o.get("impression_id").asText(), o.get("ts").asLong()));
        Map<String, Long> conversionTs = new HashMap<>();
        forEachLine(dir.resolve("conversions.jsonl"),
                o -> conversionTs.put(o.get("impression_id").asText(), o.get("ts").asLong()));
        List<JsonNode> samples = new ArrayList<>();
        forEachLine(dir.resolve("samples.jsonl"), samples::add);
        List<JsonNode> outcomes = new ArrayList<>();
        forEachLine(dir.resolve(Generator.OUTCOMES_FILE), outcomes::add);

        assertThat(outcomes).hasSize(samples.size()).hasSize(5_000);
        long censored = 0;
        for (int k = 0; k < outcomes.size(); k++) {
            JsonNode o = outcomes.get(k);
            JsonNode s = samples.get(k);
            String id = o.get("id").asText();
            assertThat(id).isEqualTo(s.get("id").asText());
            assertThat(o.get("ts").asLong()).isEqualTo(s.get("ts").asLong()).isEqualTo(impressionTs.get(id));
            assertThat(o.get("click").asInt()).isEqualTo(s.get("click").asInt());
            assertThat(o.get("conversion").asInt()).isEqualTo(s.get("conversion").asInt());
            assertThat(o.get("item_id").asText()).isEqualTo(s.get("features").get("item_id").asText());
            Long click = clickTs.get(id);
            Long conv = conversionTs.get(id);
            assertThat(o.get("click_delay_ms").isNull()).isEqualTo(click == null);
            assertThat(o.get("conversion_delay_ms").isNull()).isEqualTo(conv == null);
            if (click != null) {
                assertThat(o.get("click_delay_ms").asLong()).isEqualTo(click - impressionTs.get(id));
            }
            if (conv != null) {
                long delay = o.get("conversion_delay_ms").asLong();
                assertThat(delay).isEqualTo(conv - click);
                if (delay > config.attributionWindowMs) {
                    assertThat(o.get("conversion").asInt()).isZero();
                    censored++;
                }
            }
        }
        assertThat(censored).isPositive().isEqualTo(summary.conversionsAfterAttributionWindow);
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("generator-manifest.json").toFile());
        assertThat(manifest.get("counts").get("conversions_after_attribution_window").asLong()).isEqualTo(censored);
        assertThat(manifest.get("conversion_delay").get("share_after_one_day").asDouble())
                .isEqualTo(summary.conversionShareAfterOneDay());
    }

    @Test
    void aDriftingWorldIsStillDeterministicAcrossRunsOfOneGenerator() throws Exception {
        GeneratorConfig config = world(20_000, 5).cvrDriftAmplitude(0.5).popularityShiftPerDay(0.2)
                .newItemsPerDay(40).build();
        Generator g = new Generator(config);
        g.writeTo(dir.resolve("a"));
        g.writeTo(dir.resolve("b"));
        new Generator(config).writeTo(dir.resolve("c"));
        for (String f : List.of("samples.jsonl", "conversions.jsonl", Generator.OUTCOMES_FILE)) {
            String a = GeneratorGoldenTest.sha256(Files.readAllBytes(dir.resolve("a").resolve(f)));
            assertThat(GeneratorGoldenTest.sha256(Files.readAllBytes(dir.resolve("b").resolve(f)))).as(f).isEqualTo(a);
            assertThat(GeneratorGoldenTest.sha256(Files.readAllBytes(dir.resolve("c").resolve(f)))).as(f).isEqualTo(a);
        }
    }

    @Test
    void invalidDriftAndDelaySettingsAreNamedInTheMessage() {
        assertThatThrownBy(() -> GeneratorConfig.builder().cvrDriftAmplitude(-0.1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cvrDriftAmplitude");
        assertThatThrownBy(() -> GeneratorConfig.builder().cvrDriftPeriodDays(0).build())
                .hasMessageStartingWith("cvrDriftPeriodDays");
        assertThatThrownBy(() -> GeneratorConfig.builder().popularityShiftPerDay(1.5).build())
                .hasMessageStartingWith("popularityShiftPerDay");
        assertThatThrownBy(() -> GeneratorConfig.builder().newItemsPerDay(-1).build())
                .hasMessageStartingWith("newItemsPerDay");
        assertThatThrownBy(() -> GeneratorConfig.builder().conversionDelayShareAfterOneDay(30 * MINUTE, 0.6))
                .hasMessageStartingWith("conversion share after one day");
        assertThatThrownBy(() -> GeneratorConfig.builder().conversionDelayShareAfterOneDay(2 * DAY, 0.1))
                .hasMessageStartingWith("conversion delay median");
        GeneratorConfig defaults = GeneratorConfig.defaults();
        assertThat(defaults.drifts()).isFalse();
        assertThat(defaults.toMap()).containsEntry("cvrDriftAmplitude", 0.0).containsEntry("newItemsPerDay", 0.0)
                .containsEntry("popularityShiftPerDay", 0.0);
    }

    @Test
    void normalQuantilesInvertTheCdf() {
        for (double p : new double[] {1e-6, 0.01, 0.1, 0.5, 0.9, 0.975, 0.999999}) {
            assertThat(Lognormal.normalCdf(Lognormal.inverseNormalCdf(p))).isCloseTo(p, within(2e-7 * Math.max(p, 1e-3)));
        }
        assertThat(Lognormal.inverseNormalCdf(0.975)).isCloseTo(1.959964, within(1e-5));
        assertThat(Lognormal.normalCdf(0)).isCloseTo(0.5, within(1e-7));
        assertThat(Lognormal.normalCdf(-1.2815516)).isCloseTo(0.1, within(1e-7));
    }

    /** Least-squares fit of one item's logit(truth.cvr) over time, and its daily means. */
    private static final class Fit {
        final double omega;
        final double[] coef = new double[3];
        final double[] dayMean;
        long n;
        double maxDayCvr;
        double minDayCvr = Double.MAX_VALUE;

        Fit(double periodDays, int days) {
            omega = 2 * Math.PI / periodDays;
            dayMean = new double[days + 1];
        }

        double amplitude() {
            return Math.hypot(coef[1], coef[2]);
        }

        double at(double tDays) {
            return coef[1] * Math.sin(omega * tDays) + coef[2] * Math.cos(omega * tDays);
        }
    }

    private static Fit fitItem(Generator g, String item, double periodDays) throws IOException {
        GeneratorConfig config = g.config();
        int days = (int) Math.ceil(config.impressions * config.meanInterArrivalMs / DAY) + 1;
        Fit fit = new Fit(periodDays, days);
        double[][] xtx = new double[3][3];
        double[] xty = new double[3];
        double[] daySum = new double[days + 1];
        double[] dayCvr = new double[days + 1];
        long[] dayN = new long[days + 1];
        g.forEach((Impression imp, Click click, io.counterflow.model.data.Conversion conv,
                io.counterflow.model.data.LabeledSample sample) -> {
            if (!item.equals(imp.features.catValues[1])) {
                return;
            }
            double t = (imp.ts - config.startTs) / DAY;
            double q = imp.truth.cvr;
            double y = Math.log(q / (1 - q));
            double[] x = {1, Math.sin(fit.omega * t), Math.cos(fit.omega * t)};
            for (int i = 0; i < 3; i++) {
                xty[i] += x[i] * y;
                for (int j = 0; j < 3; j++) {
                    xtx[i][j] += x[i] * x[j];
                }
            }
            int d = (int) t;
            daySum[d] += y;
            dayCvr[d] += q;
            dayN[d]++;
            fit.n++;
        });
        double[] c = solve3(xtx, xty);
        System.arraycopy(c, 0, fit.coef, 0, 3);
        for (int d = 0; d <= days; d++) {
            if (dayN[d] > 100) {
                fit.dayMean[d] = daySum[d] / dayN[d];
                fit.maxDayCvr = Math.max(fit.maxDayCvr, dayCvr[d] / dayN[d]);
                fit.minDayCvr = Math.min(fit.minDayCvr, dayCvr[d] / dayN[d]);
            }
        }
        return fit;
    }

    /** Solves the 3×3 system a·x = b by Cramer's rule. */
    private static double[] solve3(double[][] a, double[] b) {
        double det = det3(a);
        double[] x = new double[3];
        for (int k = 0; k < 3; k++) {
            double[][] m = new double[3][];
            for (int i = 0; i < 3; i++) {
                m[i] = a[i].clone();
                m[i][k] = b[i];
            }
            x[k] = det3(m) / det;
        }
        return x;
    }

    private static double det3(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    private interface LineConsumer {
        void accept(JsonNode line) throws IOException;
    }

    private static void forEachLine(Path file, LineConsumer consumer) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = Files.newBufferedReader(file)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                consumer.accept(json.readTree(line));
            }
        }
    }
}
