package io.counterflow.model.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.BadInputReport;
import io.counterflow.model.io.EventFileReader;
import io.counterflow.model.io.SampleFileReader;
import io.counterflow.model.metrics.Auc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

class GeneratorTest {
    private static final List<String> FILES = List.of(
            "impressions.jsonl", "clicks.jsonl", "conversions.jsonl", "samples.jsonl", "generator-manifest.json");

    @TempDir
    Path dir;

    /** Short windows so that both kinds of censoring happen often in a small run. */
    private static GeneratorConfig.Builder shortWindows() {
        return GeneratorConfig.builder().impressions(10_000).users(2_000).items(500).clickRate(0.1)
                .cvrAmongClicks(0.3).clickWindowMs(60_000).attributionWindowMs(3_600_000);
    }

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherStreamSeedDoesNot() throws IOException {
        GeneratorConfig config = GeneratorConfig.builder().impressions(5_000).build();
        new Generator(config).writeTo(dir.resolve("a"));
        new Generator(config).writeTo(dir.resolve("b"));
        new Generator(config.toBuilder().streamSeed(2).build()).writeTo(dir.resolve("c"));
        for (String f : FILES) {
            byte[] a = Files.readAllBytes(dir.resolve("a").resolve(f));
            assertThat(a).as(f).isNotEmpty().isEqualTo(Files.readAllBytes(dir.resolve("b").resolve(f)));
        }
        assertThat(Files.readAllBytes(dir.resolve("c/impressions.jsonl")))
                .isNotEqualTo(Files.readAllBytes(dir.resolve("a/impressions.jsonl")));
    }

    @Test
    void ratesHitTheTargetsAndClickedImpressionsHaveHigherQ() throws IOException {
        Generator g = new Generator(GeneratorConfig.builder().impressions(200_000).build());
        double[] sums = new double[2];
        GeneratorSummary s = g.forEach((imp, click, conv, sample) -> {
            sums[0] += sample.truth.ctr;
            sums[1] += sample.truth.cvr;
        });
        assertThat(s.impressions).isEqualTo(200_000);
        assertThat(s.ctr()).isCloseTo(0.04, within(0.004));
        assertThat(s.eventCvrAmongClicks()).isCloseTo(0.10, within(0.012));
        // the 7-day attribution window loses only a few slow conversions
        assertThat(s.cvrAmongClicks()).isCloseTo(0.10, within(0.015)).isLessThanOrEqualTo(s.eventCvrAmongClicks());
        assertThat(s.meanP()).isCloseTo(0.04, within(0.003)).isCloseTo(sums[0] / 200_000, within(1e-9));
        assertThat(s.meanQ()).isCloseTo(sums[1] / 200_000, within(1e-9));
        // selection bias: q is higher where clicks happen
        assertThat(s.meanQClicked()).isGreaterThan(1.2 * s.meanQ());
    }

    @Test
    void withoutTheSharedComponentTheSelectionBiasShrinks() throws IOException {
        GeneratorConfig.Builder b = GeneratorConfig.builder().impressions(50_000);
        GeneratorSummary biased = new Generator(b.selectionBias(1.5).build()).forEach((i, c, v, s) -> { });
        GeneratorSummary unbiased = new Generator(b.selectionBias(0).build()).forEach((i, c, v, s) -> { });
        double ratioBiased = biased.meanQClicked() / biased.meanQ();
        double ratioUnbiased = unbiased.meanQClicked() / unbiased.meanQ();
        assertThat(ratioBiased).isGreaterThan(ratioUnbiased + 0.2);
    }

    @Test
    void clickPropensityIsInformativeAboutClicks() throws IOException {
        List<float[]> rows = new ArrayList<>();
        new Generator(GeneratorConfig.builder().impressions(50_000).build()).forEach((imp, click, conv, sample) ->
                rows.add(new float[] {(float) sample.truth.ctr, sample.click}));
        float[] p = new float[rows.size()];
        float[] y = new float[rows.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = rows.get(i)[0];
            y[i] = rows.get(i)[1];
        }
        assertThat(Auc.exact(p, y, p.length)).isGreaterThan(0.7);
    }

    @Test
    void filesAreSortedConsistentAndLabeledAsAJoinWithTheWindowsWould() throws IOException {
        GeneratorConfig config = shortWindows().build();
        GeneratorSummary summary = new Generator(config).writeTo(dir);
        BadInputReport report = new BadInputReport();

        List<String> problems = new ArrayList<>();
        Map<String, Long> impressionTs = new HashMap<>();
        long[] last = {Long.MIN_VALUE};
        try (EventFileReader<Impression> r = EventFileReader.impressions(dir.resolve("impressions.jsonl"), report)) {
            r.forEachRemaining(i -> {
                check(problems, i.ts > last[0], "impression ts not increasing", i);
                last[0] = i.ts;
                check(problems, i.truth != null && i.features.catNames.length == 8
                        && i.features.multiValues[0].length >= 1 && i.features.multiValues[0].length <= 5
                        && i.features.numNames.length == 1, "impression layout", i);
                impressionTs.put(i.id, i.ts);
            });
        }
        Map<String, Long> clickTs = new HashMap<>();
        last[0] = Long.MIN_VALUE;
        try (EventFileReader<Click> r = EventFileReader.clicks(dir.resolve("clicks.jsonl"), report)) {
            r.forEachRemaining(c -> {
                check(problems, c.ts >= last[0], "click ts decreasing", c);
                last[0] = c.ts;
                Long imp = impressionTs.get(c.impressionId);
                check(problems, imp != null && c.ts > imp, "click without earlier impression", c);
                check(problems, clickTs.put(c.impressionId, c.ts) == null, "second click", c);
            });
        }
        Map<String, Long> conversionTs = new HashMap<>();
        last[0] = Long.MIN_VALUE;
        try (EventFileReader<Conversion> r = EventFileReader.conversions(dir.resolve("conversions.jsonl"), report)) {
            r.forEachRemaining(c -> {
                check(problems, c.ts >= last[0], "conversion ts decreasing", c);
                last[0] = c.ts;
                // conversions only for clicked impressions, after the click
                Long click = clickTs.get(c.impressionId);
                check(problems, click != null && c.ts > click, "conversion without earlier click", c);
                conversionTs.put(c.impressionId, c.ts);
            });
        }
        long[] censored = new long[2];
        long samples;
        try (SampleFileReader r = SampleFileReader.open(dir.resolve("samples.jsonl"), Set.of(), report)) {
            samples = r.forEachRemaining(s -> {
                Long click = clickTs.get(s.id);
                Long conv = conversionTs.get(s.id);
                boolean clickInWindow = click != null && click - s.ts <= config.clickWindowMs;
                boolean convInWindow = clickInWindow && conv != null && conv - click <= config.attributionWindowMs;
                check(problems, s.truth != null, "sample without truth", s);
                check(problems, s.click == (clickInWindow ? 1 : 0), "click label", s);
                check(problems, s.conversion == (convInWindow ? 1 : 0), "conversion label", s);
                if (click != null && !clickInWindow) {
                    censored[0]++;
                }
                if (conv != null && !convInWindow) {
                    censored[1]++;
                }
            });
        }
        assertThat(problems).isEmpty();
        assertThat(report.bad()).isZero();
        assertThat(samples).isEqualTo(config.impressions);
        assertThat(impressionTs).hasSize((int) config.impressions);
        assertThat(clickTs).hasSize((int) summary.clickEvents);
        assertThat(conversionTs).hasSize((int) summary.conversionEvents);
        assertThat(censored[0]).isEqualTo(summary.clicksOutsideWindow).isPositive();
        assertThat(censored[1]).isEqualTo(summary.conversionsNotLabeled).isPositive();

        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("generator-manifest.json").toFile());
        assertThat(manifest.get("config").get("attributionWindowMs").asLong()).isEqualTo(3_600_000);
        assertThat(manifest.get("counts").get("labeled_clicks").asLong()).isEqualTo(summary.labeledClicks);
        assertThat(manifest.get("realised").get("mean_q_clicked").asDouble())
                .isGreaterThan(manifest.get("realised").get("mean_q").asDouble());
        assertThat(manifest.get("seed").asLong()).isEqualTo(42);
    }

    @Test
    void mergedEventStreamIsInEventTimeOrderAndMatchesThePerImpressionView() throws IOException {
        GeneratorConfig config = shortWindows().impressions(5_000).build();
        List<Long> ts = new ArrayList<>();
        int[] counts = new int[3];
        new Generator(config).forEachEvent(new EventSink() {
            @Override
            public void impression(Impression impression) {
                ts.add(impression.ts);
                counts[0]++;
            }

            @Override
            public void click(Click click) {
                ts.add(click.ts);
                counts[1]++;
            }

            @Override
            public void conversion(Conversion conversion) {
                ts.add(conversion.ts);
                counts[2]++;
            }
        });
        assertThat(ts).isSorted();
        List<LabeledSample> samples = new ArrayList<>();
        GeneratorSummary s = new Generator(config).forEach((imp, click, conv, sample) -> samples.add(sample));
        assertThat(counts).containsExactly(5_000, (int) s.clickEvents, (int) s.conversionEvents);
        assertThat(samples).hasSize(5_000);
    }

    @Test
    void featureSwitchesDropTheOptionalFields() throws IOException {
        GeneratorConfig config = GeneratorConfig.builder().impressions(10).numericFeatures(false)
                .multiValuedFeatures(false).build();
        new Generator(config).forEach((imp, click, conv, sample) -> {
            assertThat(imp.features.catNames).hasSize(8);
            assertThat(imp.features.multiNames).isEmpty();
            assertThat(imp.features.numNames).isEmpty();
        });
    }

    private static void check(List<String> problems, boolean ok, String what, Object record) {
        if (!ok && problems.size() < 10) {
            problems.add(what + ": " + record);
        }
    }

    @Test
    void invalidSettingsAreNamedInTheMessage() {
        assertThatThrownBy(() -> GeneratorConfig.builder().clickRate(0.7).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("clickRate");
        assertThatThrownBy(() -> GeneratorConfig.builder().impressions(0).build()).hasMessageStartingWith("impressions");
        assertThatThrownBy(() -> GeneratorConfig.builder().attributionWindowMs(-1).build())
                .hasMessageStartingWith("attributionWindowMs");
        assertThatThrownBy(() -> GeneratorConfig.builder().idPrefix("").build()).hasMessageStartingWith("idPrefix");
        assertThat(GeneratorConfig.defaults().toMap()).containsEntry("clickRate", 0.04).containsEntry("cvrAmongClicks", 0.10);
    }
}
