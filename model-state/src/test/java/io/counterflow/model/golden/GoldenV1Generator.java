package io.counterflow.model.golden;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureHash;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelCheckpoint;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.DataType;
import org.apache.flink.ml.servable.types.DataTypes;

/**
 * How the v1 golden files in {@code model-state/src/test/resources/golden/} were made: provenance, NOT a tool to
 * refresh them. The v1 goldens must never be regenerated (a format that needs new goldens is a new format
 * version with new folders, and a reader that still loads v1); this class refuses to write into a non-empty
 * directory. It writes:
 *
 * <ul>
 *   <li>{@code feature-hash-v1.tsv}: {@link FeatureHash} field states, hashes and buckets for edge-case inputs;
 *   <li>{@code feature-rows-v1.tsv}: the table row a {@link BatchEncoder} maps values to, for a few feature
 *       spaces (shared and per-field tables, bucket counts 1, 512, 1000, 2^18), missing values included;
 *   <li>{@code impressions-v1.jsonl}: 20 impressions in the CONTRACT.md shape covering the input edge cases;
 *   <li>{@code snapshot-v1-<variant>/model/}: a {@link ModelSnapshot} trained for a few steps on generated
 *       samples (Java backend) and {@code snapshot-v1-<variant>/predictions.tsv}: what that snapshot, loaded
 *       back, scores for the impressions;
 *   <li>{@code checkpoint-v1-esmm/}: the {@link ModelCheckpoint} of the esmm model and its predictions;
 *   <li>{@code v1.sha256}: the SHA-256 of every file above ({@code sha256sum -c} format).
 * </ul>
 *
 * <p>Run (from the repository root, after {@code mvn -pl model-state -am test-compile}):
 *
 * <pre>
 * mvn -q -o -pl model-state dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp model-state/target/test-classes:model-state/target/classes:$(cat /tmp/cp.txt) \
 *     io.counterflow.model.golden.GoldenV1Generator OUT_DIR SOURCE_COMMIT
 * </pre>
 */
public final class GoldenV1Generator {
    /** Settings' hash-seed default at v1 (written out, so that a later change of the default changes nothing). */
    static final long V1_DEFAULT_HASH_SEED = 0x5eed_c0ffeeL;

    private static final String[] CAT = {"user_id", "item_id", "city"};
    private static final String[] MULTI = {"hist_cats"};
    private static final String[] NUM = {"price", "age"};
    private static final String[] CITIES = {"東京", "München", "São Paulo", "Zürich", "Kraków", "Москва", "北京",
        "\uD83C\uDFD9 Metro"};
    private static final int TRAIN_SAMPLES = 384;
    private static final int BATCH = 64;
    private static final int EPOCHS = 3;
    private static final long TRAIN_SEED = 2025L;

    private GoldenV1Generator() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: GoldenV1Generator OUT_DIR SOURCE_COMMIT");
        }
        Path out = Path.of(args[0]);
        if (Files.exists(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalStateException(out + " is not empty; the v1 goldens are never regenerated "
                            + "in place (see golden/README.md)");
                }
            }
        }
        Files.createDirectories(out);
        String commit = args[1];
        write(out.resolve("feature-hash-v1.tsv"), featureHashes());
        write(out.resolve("feature-rows-v1.tsv"), featureRows());
        List<String> impressions = impressions();
        write(out.resolve("impressions-v1.jsonl"), String.join("\n", impressions) + "\n");

        snapshot(out, "esmm", "esmm", "shared-bottom", false, V1_DEFAULT_HASH_SEED, commit, impressions, true);
        snapshot(out, "dcmt", "dcmt", "shared-bottom", false, V1_DEFAULT_HASH_SEED, commit, impressions, false);
        snapshot(out, "escm2-dr", "escm2-dr", "shared-bottom", false, V1_DEFAULT_HASH_SEED, commit, impressions,
                false);
        snapshot(out, "escm2-dr-mmoe", "escm2-dr", "mmoe", true, 42L, commit, impressions, false);

        StringBuilder sums = new StringBuilder();
        for (String f : GoldenFiles.v1Files(out)) {
            sums.append(GoldenFiles.sha256(out.resolve(f))).append("  ").append(f).append('\n');
        }
        write(out.resolve(GoldenFiles.V1_CHECKSUMS), sums.toString());
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- feature hash

    /** Bucket counts of the hash file: 1, 2, a small prime, powers of two and not, the settings' max, int max. */
    static final int[] HASH_BUCKETS = {1, 2, 7, 512, 1000, 1 << 18, 1 << 26, Integer.MAX_VALUE};

    private static String featureHashes() {
        StringBuilder b = new StringBuilder();
        b.append("# Golden outputs of io.counterflow.model.feature.FeatureHash, v1. NEVER edit or regenerate (README.md).\n");
        b.append("# seed: signed decimal long (").append(V1_DEFAULT_HASH_SEED)
                .append(" = 0x5eedc0ffee, the hash-seed default at v1). field, value: escaped strings (GoldenFiles).\n");
        b.append("# field_state = FeatureHash.fieldState(seed, field); hash = FeatureHash.hash(field_state, value), both\n");
        b.append("# unsigned 64-bit hex; bucket_N = FeatureHash.bucket(hash, N). case: what the line covers.\n");
        b.append("seed\tfield\tvalue\tfield_state\thash");
        for (int n : HASH_BUCKETS) {
            b.append("\tbucket_").append(n);
        }
        b.append("\tcase\n");
        String[][] values = hashValues();
        String[] fields = {"user_id", "item_id", "hist_cats", "", "品类", "a\u001fb", "x"};
        for (String f : fields) {
            for (String[] v : values) {
                boolean isLong = v[1].startsWith("long");
                if (isLong && !(f.equals("user_id") || f.equals("hist_cats"))) {
                    continue;
                }
                hashLine(b, V1_DEFAULT_HASH_SEED, f, v[0], v[1]);
            }
        }
        long[] otherSeeds = {0L, 42L, -1L, Long.MIN_VALUE};
        String[] few = {"u1", "", "\uD83D\uDE00", FeatureHash.MISSING, "12.5"};
        for (long seed : otherSeeds) {
            for (String f : new String[] {"user_id", ""}) {
                for (String v : few) {
                    hashLine(b, seed, f, v, "seed " + seed);
                }
            }
        }
        return b.toString();
    }

    private static String[][] hashValues() {
        String alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
        return new String[][] {
            {"u1", "ascii"},
            {"i9", "ascii"},
            {"Hello, World!", "ascii punctuation and space"},
            {"", "empty string"},
            {" ", "single space"},
            {"a\tb", "tab inside"},
            {"line\nbreak", "newline inside"},
            {"back\\slash", "backslash"},
            {"0", "number as string"},
            {"1", "number as string"},
            {"-1", "number as string"},
            {"007", "number with leading zeros"},
            {"7", "number as string (differs from 007)"},
            {"3.14", "decimal as string"},
            {"12.5", "decimal as string"},
            {"1e10", "exponent as string"},
            {"9223372036854775807", "long max as string"},
            {"NaN", "word that looks numeric"},
            {"null", "JSON keyword as string"},
            {"true", "JSON keyword as string"},
            {"Müller", "Latin-1 (U+00FC)"},
            {"é", "NFC e-acute (U+00E9)"},
            {"e\u0301", "NFD e + combining acute (no normalisation)"},
            {"北京", "CJK, BMP"},
            {"Москва", "Cyrillic"},
            {"\uD83D\uDE00", "supplementary plane U+1F600 (surrogate pair)"},
            {"\uD835\uDD18\uD835\uDD2B", "supplementary plane, two code points"},
            {"\uFEFF", "zero-width no-break space"},
            {"\uD800", "lone high surrogate (hashed as a UTF-16 unit)"},
            {FeatureHash.MISSING, "FeatureHash.MISSING, the value of absent fields"},
            {"missing", "the word, not the sentinel"},
            {alnum.repeat(2).substring(0, 64), "long, 64 chars"},
            {alnum.repeat(8).substring(0, 256), "long, 256 chars"},
            {alnum.repeat(30).substring(0, 1024), "long, 1024 chars"},
            {"ä\uD83D\uDE00".repeat(200), "long non-ASCII, 600 UTF-16 units"},
        };
    }

    private static void hashLine(StringBuilder b, long seed, String field, String value, String note) {
        long state = FeatureHash.fieldState(seed, field);
        long h = FeatureHash.hash(state, value);
        b.append(seed).append('\t').append(GoldenFiles.escape(field)).append('\t').append(GoldenFiles.escape(value))
                .append('\t').append(hex(state)).append('\t').append(hex(h));
        for (int n : HASH_BUCKETS) {
            b.append('\t').append(FeatureHash.bucket(h, n));
        }
        b.append('\t').append(note).append('\n');
    }

    static String hex(long v) {
        return String.format("%016x", v);
    }

    // ---------------------------------------------------------------- feature rows

    private static String featureRows() {
        StringBuilder b = new StringBuilder();
        b.append("# Golden table rows of io.counterflow.model.feature.FeatureSpace + BatchEncoder, v1. NEVER edit or\n");
        b.append("# regenerate (README.md). 'space' lines declare a feature space (field lists comma-separated, escaped;\n");
        b.append("# table_rows and input_width are FeatureSpace.tableRows() and inputWidth()); 'row' lines give the table row\n");
        b.append("# a record with only that one value (kind categorical or multi) maps it to, and kind 'categorical-missing'\n");
        b.append("# the row of a record lacking the field (value column empty).\n");
        b.append("# space\tname\tcategorical\tmulti\tnumeric\tdim\tbuckets\ttable_per_field\thash_seed\ttable_rows\tinput_width\n");
        b.append("# row\tspace\tkind\tfield\tvalue\trow\n");
        String[] cat = {"user_id", "item_id", "city"};
        String[] multi = {"hist_cats", "tags"};
        String[] num = {"price"};
        Object[][] spaces = {
            {"shared-512", 512, false, V1_DEFAULT_HASH_SEED},
            {"per-field-1000", 1000, true, 42L},
            {"per-field-1", 1, true, 0L},
            {"shared-262144", 1 << 18, false, V1_DEFAULT_HASH_SEED},
        };
        String[] values = {"u1", "", "007", "München", "\uD83D\uDE00", "\u0000missing"};
        for (Object[] sp : spaces) {
            String name = (String) sp[0];
            FeatureSpace fs = new FeatureSpace(cat, multi, num, 4, (Integer) sp[1], (Boolean) sp[2], (Long) sp[3]);
            b.append("space\t").append(name).append('\t').append(list(cat)).append('\t').append(list(multi))
                    .append('\t').append(list(num)).append('\t').append(fs.dim).append('\t').append(fs.buckets)
                    .append('\t').append(fs.tablePerField).append('\t').append(fs.hashSeed).append('\t')
                    .append(fs.tableRows()).append('\t').append(fs.inputWidth()).append('\n');
            BatchEncoder enc = new BatchEncoder(fs);
            for (String f : cat) {
                b.append(rowLine(name, "categorical-missing", f, "", missingRow(enc, f)));
                for (String v : values) {
                    b.append(rowLine(name, "categorical", f, v, catRow(enc, f, v)));
                }
            }
            for (String f : multi) {
                for (String v : values) {
                    b.append(rowLine(name, "multi", f, v, multiRow(enc, f, v)));
                }
            }
        }
        return b.toString();
    }

    private static String list(String[] a) {
        StringBuilder b = new StringBuilder();
        for (String s : a) {
            b.append(b.length() == 0 ? "" : ",").append(GoldenFiles.escape(s));
        }
        return b.toString();
    }

    private static String rowLine(String space, String kind, String field, String value, int row) {
        return "row\t" + space + "\t" + kind + "\t" + GoldenFiles.escape(field) + "\t" + GoldenFiles.escape(value)
                + "\t" + row + "\n";
    }

    static EncodedBatch encodeOne(BatchEncoder enc, Features f) {
        EncodedBatch b = enc.newBatch(1);
        enc.encode(new LabeledSample[] {new LabeledSample("r", 0, 0, 0, f, null)}, 0, 1, b, false);
        return b;
    }

    static int missingRow(BatchEncoder enc, String field) {
        int fi = Arrays.asList(enc.space().catFields).indexOf(field);
        EncodedBatch b = encodeOne(enc, new Features());
        return b.uniqueRows[b.catSlots[fi]];
    }

    static int catRow(BatchEncoder enc, String field, String value) {
        int fi = Arrays.asList(enc.space().catFields).indexOf(field);
        EncodedBatch b = encodeOne(enc, new Features(new String[] {field}, new String[] {value},
                Features.NO_STRINGS, new String[0][], Features.NO_STRINGS, new double[0]));
        return b.uniqueRows[b.catSlots[fi]];
    }

    static int multiRow(BatchEncoder enc, String field, String value) {
        int fi = Arrays.asList(enc.space().multiFields).indexOf(field);
        EncodedBatch b = encodeOne(enc, new Features(Features.NO_STRINGS, Features.NO_STRINGS, new String[] {field},
                new String[][] {{value}}, Features.NO_STRINGS, new double[0]));
        if (b.mvStart[fi + 1] - b.mvStart[fi] != 1) {
            throw new IllegalStateException("expected one multi-valued entry for " + field);
        }
        return b.uniqueRows[b.mvSlots[b.mvStart[fi]]];
    }

    // ---------------------------------------------------------------- impressions

    private static List<String> impressions() {
        String longId = "user-" + "0123456789abcdef".repeat(19);
        StringBuilder thirty = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            thirty.append(i == 0 ? "" : ",").append("\"c").append(i % 12).append('"');
        }
        List<String> l = new ArrayList<>();
        l.add("{\"id\":\"g-01\",\"ts\":1700000000000,\"features\":{\"user_id\":\"u3\",\"item_id\":\"i7\",\"city\":\"東京\","
                + "\"hist_cats\":[\"c1\",\"c4\"],\"price\":12.5,\"age\":34}}");
        l.add("{\"id\":\"g-02\",\"ts\":1700000001000,\"features\":{\"user_id\":\"u0\",\"item_id\":\"i0\",\"city\":\"München\","
                + "\"hist_cats\":[\"c0\"],\"price\":3.0,\"age\":18}}");
        l.add("{\"id\":\"g-03\",\"ts\":1700000002000,\"features\":{\"user_id\":\"u5\",\"item_id\":\"i2\","
                + "\"hist_cats\":[\"c3\",\"c5\",\"c7\"],\"price\":7.25,\"age\":41}}");
        l.add("{\"id\":\"g-04\",\"ts\":1700000003000,\"features\":{\"user_id\":\"u7\",\"item_id\":\"i11\",\"city\":\"Zürich\","
                + "\"price\":20,\"age\":29}}");
        l.add("{\"id\":\"g-05\",\"ts\":1700000004000,\"features\":{\"user_id\":\"u8\",\"item_id\":\"i3\",\"city\":\"Kraków\","
                + "\"hist_cats\":[],\"price\":1.5,\"age\":55}}");
        l.add("{\"id\":\"g-06\",\"ts\":1700000005000,\"features\":{\"user_id\":\"u2\",\"item_id\":\"i9\",\"city\":\"北京\","
                + "\"hist_cats\":[\"c2\"],\"age\":63}}");
        l.add("{\"id\":\"g-07\",\"ts\":1700000006000,\"features\":{\"user_id\":\"u4\",\"item_id\":\"i5\",\"city\":\"Москва\","
                + "\"hist_cats\":[\"c6\",\"c8\"]}}");
        l.add("{\"id\":\"g-08\",\"ts\":1700000007000,\"features\":{\"user_id\":\"u99999\",\"item_id\":\"i-unknown\","
                + "\"city\":\"Atlantis\",\"hist_cats\":[\"never-seen\"],\"price\":9.99,\"age\":30}}");
        l.add("{\"id\":\"g-09\",\"ts\":1700000008000,\"features\":{\"user_id\":\"u1\",\"item_id\":\"i4\","
                + "\"city\":\"\\ud83c\\udfd9 Metro\",\"hist_cats\":[\"\\ud83d\\ude00\",\"c2\"],\"price\":4.0,\"age\":22}}");
        l.add("{\"id\":\"g-10\",\"ts\":1700000009000,\"features\":{\"user_id\":\"u6\",\"item_id\":\"i8\",\"city\":\"São Paulo\","
                + "\"hist_cats\":[\"c9\"],\"price\":1e9,\"age\":-5}}");
        l.add("{\"id\":\"g-11\",\"ts\":1700000010000,\"features\":{\"user_id\":\"u9\",\"item_id\":\"i1\",\"city\":\"東京\","
                + "\"hist_cats\":[\"c1\"],\"price\":-1e9,\"age\":1000}}");
        l.add("{\"id\":\"g-12\",\"ts\":1700000011000,\"campaign\":{\"name\":\"ignored\",\"n\":[1,2]},\"features\":{"
                + "\"user_id\":\"u3\",\"device\":\"ios\",\"item_id\":\"i6\",\"city\":\"München\",\"hist_cats\":[\"c4\"],"
                + "\"price\":15.0,\"age\":37,\"screen_px\":1080}}");
        l.add("{\"id\":\"g-13\",\"ts\":1700000012000,\"features\":{\"user_id\":5,\"item_id\":\"i2\",\"city\":\"Zürich\","
                + "\"hist_cats\":[\"c3\"],\"price\":8.0,\"age\":45}}");
        l.add("{\"id\":\"g-14\",\"ts\":1700000013000,\"features\":{\"user_id\":\"u2\",\"item_id\":\"i7\",\"city\":\"北京\","
                + "\"hist_cats\":[\"c5\"],\"price\":\"12.5\",\"age\":26}}");
        l.add("{\"id\":\"g-15\",\"ts\":1700000014000,\"features\":{\"user_id\":\"u0\",\"item_id\":\"i10\",\"city\":\"Kraków\","
                + "\"hist_cats\":[\"c1\",\"c1\",\"c1\"],\"price\":5.5,\"age\":33}}");
        l.add("{\"id\":\"g-16\",\"ts\":1700000015000,\"features\":{\"user_id\":\"\",\"item_id\":\"i4\",\"city\":\"\","
                + "\"hist_cats\":[\"\"],\"price\":0,\"age\":0}}");
        l.add("{\"id\":\"g-17\",\"ts\":1700000016000,\"features\":{\"user_id\":\"u5\",\"item_id\":\"i3\",\"city\":\"Москва\","
                + "\"hist_cats\":[" + thirty + "],\"price\":11.0,\"age\":48}}");
        l.add("{\"id\":\"g-18\",\"ts\":1700000017000,\"features\":{}}");
        l.add("{\"id\":\"g-19\",\"ts\":1700000018000,\"features\":{\"user_id\":\"u4\",\"item_id\":\"i0\",\"city\":\"São Paulo\","
                + "\"hist_cats\":[\"c7\",\"c0\"],\"price\":2.75,\"age\":52},\"truth\":{\"ctr\":0.1,\"cvr\":0.2}}");
        l.add("{\"id\":\"g-20\",\"ts\":1700000019000,\"features\":{\"age\":39,\"hist_cats\":[\"c2\",\"c6\"],\"price\":6.5,"
                + "\"item_id\":\"007\",\"user_id\":\"" + longId + "\"}}");
        EventCodec codec = new EventCodec();
        for (String s : l) {
            try {
                codec.parseImpression(s);
            } catch (io.counterflow.model.io.BadInputException e) {
                throw new IllegalStateException("golden impression does not parse: " + s + ": " + e.reason(), e);
            }
        }
        return l;
    }

    // ---------------------------------------------------------------- snapshots

    private static LabeledSample[] trainingSamples(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LabeledSample[] s = new LabeledSample[TRAIN_SAMPLES];
        for (int i = 0; i < s.length; i++) {
            int u = r.nextInt(10);
            int it = r.nextInt(12);
            List<String> catNames = new ArrayList<>(List.of("user_id", "item_id"));
            List<String> catValues = new ArrayList<>(List.of("u" + u, "i" + it));
            if (r.nextInt(6) != 0) {
                catNames.add("city");
                catValues.add(CITIES[r.nextInt(CITIES.length)]);
            }
            String[] multiNames = Features.NO_STRINGS;
            String[][] multiValues = new String[0][];
            int m = r.nextInt(5);
            if (m > 0 || r.nextBoolean()) {
                String[] cats = new String[m];
                for (int k = 0; k < m; k++) {
                    cats[k] = "c" + r.nextInt(10);
                }
                multiNames = new String[] {"hist_cats"};
                multiValues = new String[][] {cats};
            }
            double price = Math.exp(r.nextGaussian() * 0.8 + 2);
            double age = 18 + r.nextInt(53);
            Features f = new Features(catNames.toArray(new String[0]), catValues.toArray(new String[0]), multiNames,
                    multiValues, NUM.clone(), new double[] {price, age});
            double pClick = 0.15 + 0.35 * (u % 3 == 0 ? 1 : 0) + 0.1 * (it % 2);
            int click = r.nextDouble() < pClick ? 1 : 0;
            double pConv = 0.2 + 0.4 * (it % 3 == 0 ? 1 : 0) + (price < 7 ? 0.2 : 0);
            int conv = click == 1 && r.nextDouble() < pConv ? 1 : 0;
            s[i] = new LabeledSample("t" + i, 1_700_000_000_000L + i, click, conv, f, null);
        }
        return s;
    }

    private static Settings settings(String objective, String extractor, boolean perField, long hashSeed) {
        Settings s = new Settings();
        s.set(Settings.OBJECTIVE, objective);
        s.set(Settings.EXTRACTOR, extractor);
        s.set(Settings.EMBEDDING_DIM, 4);
        s.set(Settings.BUCKETS, 512);
        s.set(Settings.TABLE_PER_FIELD, perField);
        s.set(Settings.HASH_SEED, hashSeed);
        s.set(Settings.TOWERS, new Integer[] {8, 4});
        s.set(Settings.EXPERTS, 3);
        s.set(Settings.EXPERT_WIDTH, 6);
        s.set(Settings.LEARNING_RATE, 0.01);
        s.set(Settings.EMBEDDING_LEARNING_RATE, 0.01);
        s.set(Settings.SEED, 5L);
        return s;
    }

    private static void snapshot(Path out, String variant, String objective, String extractor, boolean perField,
            long hashSeed, String commit, List<String> impressions, boolean withCheckpoint) throws IOException {
        Settings s = settings(objective, extractor, perField, hashSeed);
        FeatureSpace fs = new FeatureSpace(CAT, MULTI, NUM, 4, 512, perField, hashSeed);
        Path dir = out.resolve("snapshot-v1-" + variant);
        try (Backend be = Backends.create("java"); CvrModel model = new CvrModel(s, fs, be, BATCH)) {
            BatchEncoder enc = new BatchEncoder(fs);
            EncodedBatch batch = enc.newBatch(BATCH);
            LabeledSample[] train = trainingSamples(TRAIN_SEED);
            for (int e = 0; e < EPOCHS; e++) {
                for (int off = 0; off < train.length; off += BATCH) {
                    enc.encode(train, off, Math.min(BATCH, train.length - off), batch, true);
                    model.trainStep(batch);
                }
            }
            if (model.skippedBatches() != 0 || model.step() != (long) EPOCHS * TRAIN_SAMPLES / BATCH) {
                throw new IllegalStateException(variant + ": " + model.step() + " steps, " + model.skippedBatches()
                        + " skipped");
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("golden", "v1: never regenerate (model-state/src/test/resources/golden/README.md)");
            info.put("generator", GoldenV1Generator.class.getName());
            info.put("source_commit", commit);
            info.put("training", TRAIN_SAMPLES + " generated samples, batch " + BATCH + ", " + EPOCHS
                    + " epochs, java backend");
            ModelSnapshot.write(model, dir.resolve("model"), info);
            String inMemory = predictions(CvrScorer.of(model), impressions);
            String loaded;
            try (CvrModel back = ModelSnapshot.read(dir.resolve("model"), be, 32)) {
                loaded = predictions(CvrScorer.of(back), impressions);
            }
            if (!inMemory.equals(loaded)) {
                throw new IllegalStateException(variant + ": the loaded snapshot scores differently from the model");
            }
            write(dir.resolve("predictions.tsv"), header(variant, "snapshot") + loaded);
            if (withCheckpoint) {
                Path ck = out.resolve("checkpoint-v1-" + variant);
                Files.createDirectories(ck);
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(ck.resolve("checkpoint.bin")))) {
                    ModelCheckpoint.write(model, os);
                }
                try (java.io.InputStream in = Files.newInputStream(ck.resolve("checkpoint.bin"));
                        CvrModel back = ModelCheckpoint.read(in, be, 32)) {
                    if (!predictions(CvrScorer.of(back), impressions).equals(loaded)) {
                        throw new IllegalStateException(variant + ": the loaded checkpoint scores differently");
                    }
                }
                write(ck.resolve("predictions.tsv"), header(variant, "checkpoint") + loaded);
            }
        }
    }

    private static String header(String variant, String what) {
        return "# Golden predictions of the " + variant + " " + what + " (v1) for ../impressions-v1.jsonl, as scored by\n"
                + "# CvrScorer.transform on the Java backend when it was written. NEVER edit or regenerate (README.md).\n"
                + "# ctr and cvr are float32 (Float.toString), ctcvr = ctr * cvr in double.\n"
                + "id\tctr\tcvr\tctcvr\n";
    }

    /** The scorer's transform (the serving path) over the impressions, as TSV lines. */
    static String predictions(CvrScorer scorer, List<String> impressions) {
        List<Row> rows = new ArrayList<>();
        for (String s : impressions) {
            rows.add(new Row(new ArrayList<>(List.of(s))));
        }
        List<DataType> types = new ArrayList<>(List.of(DataTypes.STRING));
        DataFrame df = scorer.transform(new DataFrame(new ArrayList<>(List.of(CvrScorer.INPUT_COLUMN)), types, rows));
        EventCodec codec = new EventCodec();
        StringWriter w = new StringWriter();
        PrintWriter p = new PrintWriter(w);
        List<Row> res = df.collect();
        for (int i = 0; i < res.size(); i++) {
            Row r = res.get(i);
            String id;
            try {
                id = codec.parseImpression(impressions.get(i)).id;
            } catch (io.counterflow.model.io.BadInputException e) {
                throw new IllegalStateException(e);
            }
            double ctr = (Double) r.get(df.getIndex("ctr"));
            double cvr = (Double) r.get(df.getIndex("cvr"));
            double ctcvr = (Double) r.get(df.getIndex("ctcvr"));
            p.print(id + "\t" + Float.toString((float) ctr) + "\t" + Float.toString((float) cvr) + "\t"
                    + Double.toString(ctcvr) + "\n");
        }
        p.flush();
        return w.toString();
    }
}
