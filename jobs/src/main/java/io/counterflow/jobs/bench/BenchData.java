package io.counterflow.jobs.bench;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import java.util.SplittableRandom;

/**
 * The benchmark model and its inputs: batch 1024, embedding dim 16, 8 single-valued categorical fields (cardinalities
 * from 24 to 200k), 1 multi-valued field (1–5 values of 10k), 1 numeric field, towers 256-128-64, shared-bottom
 * by default — the configuration of the PyTorch single-thread reference. Samples are synthetic (uniform values,
 * 10% clicks, 20% of clicks convert): the cost of a step does not depend on what the labels mean.
 */
public final class BenchData {
    /** Samples per training step (fixed: it is the benchmark's operations-per-invocation). */
    public static final int BATCH = 1024;
    public static final int DIM = 16;
    public static final String TOWERS = "256,128,64";

    static final String[] CAT_FIELDS = {"user", "item", "category", "brand", "shop", "city", "device", "hour"};
    static final int[] CARDINALITY = {200_000, 50_000, 500, 5_000, 10_000, 300, 20, 24};
    static final String MULTI_FIELD = "tags";
    static final int TAGS = 10_000;
    static final String NUM_FIELD = "price";

    private BenchData() {}

    /** The benchmark's settings for this objective (CLI name) and extractor. */
    public static Settings settings(String objective, String extractor) {
        Settings s = new Settings();
        s.set(Settings.OBJECTIVE, objective);
        s.set(Settings.EXTRACTOR, extractor);
        s.set(Settings.EMBEDDING_DIM, DIM);
        s.setFromString(Settings.TOWERS.name, TOWERS);
        return s;
    }

    /** A fresh feature space of the benchmark schema (each model needs its own: it holds numeric statistics). */
    public static FeatureSpace space(Settings s) {
        return new FeatureSpace(CAT_FIELDS, new String[] {MULTI_FIELD}, new String[] {NUM_FIELD},
                s.get(Settings.EMBEDDING_DIM), s.get(Settings.BUCKETS), s.get(Settings.TABLE_PER_FIELD),
                s.get(Settings.HASH_SEED));
    }

    /**
     * The demo's world (the streaming job of {@code counterflow demo}): its generated samples, its feature space
     * inferred from them as the trainer infers it, and its model settings (the defaults, 2^16 buckets), so that a
     * step here is the step the demo's trainer takes. {@code data} is {@code bench} or {@code demo}.
     */
    public static Settings settings(String data, String objective, String extractor) {
        if (data.equals("bench")) {
            return settings(objective, extractor);
        }
        requireData(data);
        Settings s = new Settings();
        s.set(Settings.OBJECTIVE, objective);
        s.set(Settings.EXTRACTOR, extractor);
        s.set(Settings.BUCKETS, DEMO_BUCKETS);
        return s;
    }

    /** The demo's hash buckets (DemoCommand: small checkpoints for a world of 12k users and items). */
    public static final int DEMO_BUCKETS = 1 << 16;

    /** Rejects a data name other than bench and demo. */
    public static String requireData(String data) {
        if (!data.equals("bench") && !data.equals("demo")) {
            throw new IllegalArgumentException("--data must be bench or demo, got '" + data + "'");
        }
        return data;
    }

    /** n samples of {@code data} (bench: synthetic; demo: the demo's generated world, final labels). */
    public static LabeledSample[] samples(String data, int n, long seed) {
        if (requireData(data).equals("bench")) {
            return samples(n, seed);
        }
        java.util.List<LabeledSample> out = new java.util.ArrayList<>(n);
        GeneratorConfig world = GeneratorConfig.builder().impressions(n).seed(42).streamSeed(seed)
                .meanInterArrivalMs(100).clickDelayMedianMs(20_000).conversionFastMedianMs(2 * 60_000)
                .conversionSlowMedianMs(20 * 60_000).clickWindowMs(5 * 60_000).attributionWindowMs(3_600_000)
                .build();
        try {
            new Generator(world).forEach((imp, click, conv, sample) -> out.add(sample));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toArray(new LabeledSample[0]);
    }

    /** A fresh feature space for {@code data}: bench's schema, or the demo's inferred from its samples. */
    public static FeatureSpace space(String data, Settings s, LabeledSample[] samples, int firstBatch) {
        if (requireData(data).equals("bench")) {
            return space(s);
        }
        java.util.List<io.counterflow.model.data.Features> first = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(firstBatch, samples.length); i++) {
            first.add(samples[i].features);
        }
        return FeatureSpace.infer(first, s.get(Settings.EMBEDDING_DIM), s.get(Settings.BUCKETS),
                s.get(Settings.TABLE_PER_FIELD), s.get(Settings.HASH_SEED));
    }

    /** n synthetic samples, deterministic in the seed. */
    public static LabeledSample[] samples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LabeledSample[] out = new LabeledSample[n];
        for (int i = 0; i < n; i++) {
            String[] cats = new String[CAT_FIELDS.length];
            for (int f = 0; f < cats.length; f++) {
                cats[f] = Integer.toString(r.nextInt(CARDINALITY[f]));
            }
            String[] tags = new String[1 + r.nextInt(5)];
            for (int k = 0; k < tags.length; k++) {
                tags[k] = Integer.toString(r.nextInt(TAGS));
            }
            Features f = new Features(CAT_FIELDS.clone(), cats, new String[] {MULTI_FIELD}, new String[][] {tags},
                    new String[] {NUM_FIELD}, new double[] {Math.exp(r.nextGaussian())});
            int click = r.nextDouble() < 0.1 ? 1 : 0;
            int conversion = click == 1 && r.nextDouble() < 0.2 ? 1 : 0;
            out[i] = new LabeledSample("s" + i, 1_700_000_000_000L + i, click, conversion, f, new Truth(0.1, 0.2));
        }
        return out;
    }

    /** The samples as JSON lines (UTF-8), as the training job reads them. */
    public static byte[][] jsonLines(LabeledSample[] samples) {
        EventCodec codec = new EventCodec();
        byte[][] lines = new byte[samples.length][];
        for (int i = 0; i < samples.length; i++) {
            lines[i] = codec.toUtf8(samples[i]);
        }
        return lines;
    }
}
