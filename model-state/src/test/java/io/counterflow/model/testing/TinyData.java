package io.counterflow.model.testing;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.settings.Settings;
import java.util.SplittableRandom;

/** Small deterministic samples and model settings for unit tests (shared through the test-jar). */
public final class TinyData {
    private TinyData() {}

    /** Samples with 2 categorical fields, 1 multi-valued, 1 numeric; labels with clicks and conversions. */
    public static LabeledSample[] samples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LabeledSample[] s = new LabeledSample[n];
        for (int i = 0; i < n; i++) {
            int u = r.nextInt(6);
            int it = r.nextInt(5);
            int m = 1 + r.nextInt(3);
            String[] cats = new String[m];
            for (int k = 0; k < m; k++) {
                cats[k] = "c" + r.nextInt(4);
            }
            Features f = new Features(new String[] {"user", "item"}, new String[] {"u" + u, "i" + it},
                    new String[] {"hist"}, new String[][] {cats}, new String[] {"price"},
                    new double[] {r.nextDouble() * 10});
            int click = (i % 3 == 0 || r.nextInt(4) == 0) ? 1 : 0;
            int conv = click == 1 && (i % 2 == 0) ? 1 : 0;
            s[i] = new LabeledSample("s" + i, i, click, conv, f, new Truth(0.3, 0.2 + 0.1 * (u % 3)));
        }
        return s;
    }

    /** Tiny settings: dim 4, 64 buckets, towers 5-3, MMoE 2 experts of width 4. */
    public static Settings tinySettings(String objective, String extractor) {
        Settings s = new Settings();
        s.set(Settings.OBJECTIVE, objective);
        s.set(Settings.EXTRACTOR, extractor);
        s.set(Settings.EMBEDDING_DIM, 4);
        s.set(Settings.BUCKETS, 64);
        s.set(Settings.TOWERS, new Integer[] {5, 3});
        s.set(Settings.EXPERTS, 2);
        s.set(Settings.EXPERT_WIDTH, 4);
        s.set(Settings.SEED, Long.parseLong(System.getenv().getOrDefault("TINY_SEED", "7")));
        return s;
    }

    /** The feature space of {@link #samples} under these settings. */
    public static FeatureSpace space(Settings s) {
        return new FeatureSpace(new String[] {"user", "item"}, new String[] {"hist"}, new String[] {"price"},
                s.get(Settings.EMBEDDING_DIM), s.get(Settings.BUCKETS), s.get(Settings.TABLE_PER_FIELD),
                s.get(Settings.HASH_SEED));
    }

    /** Encodes samples into a fresh batch (training mode: numeric statistics absorb them). */
    public static EncodedBatch encode(BatchEncoder enc, LabeledSample[] samples) {
        EncodedBatch b = enc.newBatch(samples.length);
        enc.encode(samples, 0, samples.length, b, true);
        return b;
    }
}
