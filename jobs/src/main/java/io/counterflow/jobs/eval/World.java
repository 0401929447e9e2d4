package io.counterflow.jobs.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.SampleFileReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A generated world as the evaluation needs it: every impression (features, truth, final labels) in event-time
 * order, with its click and conversion times (from {@code outcomes.jsonl}) and the generator's windows. Read from
 * a {@code counterflow generate} output directory.
 */
final class World {
    final LabeledSample[] impressions;
    /** Click time, or Long.MIN_VALUE when unclicked. */
    final long[] clickTs;
    /** Conversion time inside the attribution window, or Long.MIN_VALUE when none. */
    final long[] conversionTs;
    final long clickWindowMs;
    final long attributionWindowMs;

    private World(LabeledSample[] impressions, long[] clickTs, long[] conversionTs, long clickWindowMs,
            long attributionWindowMs) {
        this.impressions = impressions;
        this.clickTs = clickTs;
        this.conversionTs = conversionTs;
        this.clickWindowMs = clickWindowMs;
        this.attributionWindowMs = attributionWindowMs;
    }

    static World read(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path manifest = dir.resolve("generator-manifest.json");
        Path outcomes = dir.resolve("outcomes.jsonl");
        for (Path p : new Path[] {manifest, outcomes, dir.resolve("samples.jsonl")}) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(p + ": missing; --world must be a `counterflow generate` output "
                        + "directory (samples.jsonl, outcomes.jsonl, generator-manifest.json)");
            }
        }
        JsonNode config = json.readTree(manifest.toFile()).path("config");
        long cw = config.path("clickWindowMs").asLong(30 * 60_000L);
        long aw = config.path("attributionWindowMs").asLong(7 * 86_400_000L);
        List<LabeledSample> samples = new ArrayList<>();
        try (SampleFileReader r = SampleFileReader.open(dir.resolve("samples.jsonl"), Set.of())) {
            r.forEachRemaining(samples::add);
        }
        long[] click = new long[samples.size()];
        long[] conv = new long[samples.size()];
        int i = 0;
        try (BufferedReader in = Files.newBufferedReader(outcomes, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (i >= samples.size()) {
                    throw new IllegalArgumentException(outcomes + ": more lines than samples.jsonl");
                }
                JsonNode o = json.readTree(line);
                LabeledSample s = samples.get(i);
                if (!o.path("id").asText().equals(s.id)) {
                    throw new IllegalArgumentException(outcomes + " line " + (i + 1) + ": id " + o.path("id").asText()
                            + " is not samples.jsonl's " + s.id);
                }
                click[i] = s.click == 1 ? s.ts + o.path("click_delay_ms").asLong() : Long.MIN_VALUE;
                conv[i] = s.conversion == 1 ? click[i] + o.path("conversion_delay_ms").asLong() : Long.MIN_VALUE;
                i++;
            }
        }
        if (i != samples.size()) {
            throw new IllegalArgumentException(outcomes + ": " + i + " lines for " + samples.size() + " samples");
        }
        return new World(samples.toArray(new LabeledSample[0]), click, conv, cw, aw);
    }
}
