package io.counterflow.model.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.feature.FeatureHash;
import io.counterflow.model.feature.FeatureSpace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Recomputes every line of {@code golden/feature-hash-v1.tsv} and {@code golden/feature-rows-v1.tsv}. The feature
 * hash is part of every trained model: the embedding row a value trains is the row it must find when the model
 * serves, possibly years later. A changed hash, seed handling or bucket reduction does not fail anything else —
 * every existing model just silently scores with the wrong embeddings — so this test is the only guard.
 */
class FeatureHashGoldenTest {
    private static final String WHY = "\nFeatureHash/FeatureSpace must map values to exactly the same rows forever: "
            + "a change silently invalidates every trained model and snapshot. Fix the code, never the golden file "
            + "(model-state/src/test/resources/golden/README.md).";

    @Test
    void everyPinnedFieldStateHashAndBucketIsUnchanged() {
        List<GoldenFiles.Line> lines = GoldenFiles.tsv("feature-hash-v1.tsv");
        String[] header = lines.get(0).cols;
        assertThat(header).startsWith("seed", "field", "value", "field_state", "hash");
        assertThat(header[header.length - 1]).isEqualTo("case");
        int[] buckets = new int[header.length - 6];
        for (int i = 0; i < buckets.length; i++) {
            assertThat(header[5 + i]).startsWith("bucket_");
            buckets[i] = Integer.parseInt(header[5 + i].substring("bucket_".length()));
        }
        assertThat(buckets).as("bucket counts covered").contains(1, 512, 1000);
        List<String> diffs = new ArrayList<>();
        int checked = 0;
        for (GoldenFiles.Line l : lines.subList(1, lines.size())) {
            assertThat(l.cols).as("columns of line %d", l.number).hasSize(header.length);
            long seed = Long.parseLong(l.cols[0]);
            String field = GoldenFiles.unescape(l.cols[1]);
            String value = GoldenFiles.unescape(l.cols[2]);
            String where = "line " + l.number + " (seed " + seed + ", field '" + l.cols[1] + "', value '"
                    + abbreviate(l.cols[2]) + "', " + l.cols[header.length - 1] + "): ";
            long state = FeatureHash.fieldState(seed, field);
            long goldenState = Long.parseUnsignedLong(l.cols[3], 16);
            if (state != goldenState) {
                diffs.add(where + "fieldState " + hex(state) + ", golden " + l.cols[3]);
            }
            long h = FeatureHash.hash(goldenState, value);
            if (h != Long.parseUnsignedLong(l.cols[4], 16)) {
                diffs.add(where + "hash " + hex(h) + ", golden " + l.cols[4]);
            }
            long goldenHash = Long.parseUnsignedLong(l.cols[4], 16);
            for (int i = 0; i < buckets.length; i++) {
                int b = FeatureHash.bucket(goldenHash, buckets[i]);
                if (b != Integer.parseInt(l.cols[5 + i])) {
                    diffs.add(where + "bucket(hash, " + buckets[i] + ") = " + b + ", golden " + l.cols[5 + i]);
                }
            }
            checked++;
        }
        assertThat(checked).as("golden hash lines").isGreaterThan(200);
        if (!diffs.isEmpty()) {
            fail(diffs.size() + " of the pinned feature hashes differ:\n" + String.join("\n", head(diffs)) + WHY);
        }
    }

    @Test
    void everyPinnedTableRowIsUnchanged() {
        Map<String, BatchEncoder> spaces = new HashMap<>();
        List<String> diffs = new ArrayList<>();
        int rows = 0;
        for (GoldenFiles.Line l : GoldenFiles.tsv("feature-rows-v1.tsv")) {
            String where = "line " + l.number + ": ";
            if (l.cols[0].equals("space")) {
                FeatureSpace fs = new FeatureSpace(list(l.cols[2]), list(l.cols[3]), list(l.cols[4]),
                        Integer.parseInt(l.cols[5]), Integer.parseInt(l.cols[6]), Boolean.parseBoolean(l.cols[7]),
                        Long.parseLong(l.cols[8]));
                if (fs.tableRows() != Integer.parseInt(l.cols[9])) {
                    diffs.add(where + "space " + l.cols[1] + " has " + fs.tableRows() + " table rows, golden "
                            + l.cols[9]);
                }
                if (fs.inputWidth() != Integer.parseInt(l.cols[10])) {
                    diffs.add(where + "space " + l.cols[1] + " has input width " + fs.inputWidth() + ", golden "
                            + l.cols[10]);
                }
                spaces.put(l.cols[1], new BatchEncoder(fs));
                continue;
            }
            assertThat(l.cols[0]).as(where + "line kind").isEqualTo("row");
            BatchEncoder enc = spaces.get(l.cols[1]);
            assertThat(enc).as(where + "space " + l.cols[1] + " declared before its rows").isNotNull();
            String kind = l.cols[2];
            String field = GoldenFiles.unescape(l.cols[3]);
            String value = GoldenFiles.unescape(l.cols[4]);
            int row = row(enc, kind, field, value);
            if (row != Integer.parseInt(l.cols[5])) {
                diffs.add(where + "space " + l.cols[1] + ", " + kind + " " + l.cols[3] + "='" + l.cols[4]
                        + "' maps to row " + row + ", golden " + l.cols[5]);
            }
            rows++;
        }
        assertThat(spaces).as("golden feature spaces").hasSizeGreaterThanOrEqualTo(3);
        assertThat(rows).as("golden row lines").isGreaterThan(50);
        if (!diffs.isEmpty()) {
            fail(diffs.size() + " of the pinned table rows differ:\n" + String.join("\n", head(diffs)) + WHY);
        }
    }

    /** The row the encoder gives a record holding only this one value (or lacking the field). */
    private static int row(BatchEncoder enc, String kind, String field, String value) {
        FeatureSpace fs = enc.space();
        Features f;
        switch (kind) {
            case "categorical-missing":
                f = new Features();
                break;
            case "categorical":
                f = new Features(new String[] {field}, new String[] {value}, Features.NO_STRINGS, new String[0][],
                        Features.NO_STRINGS, new double[0]);
                break;
            case "multi":
                f = new Features(Features.NO_STRINGS, Features.NO_STRINGS, new String[] {field},
                        new String[][] {{value}}, Features.NO_STRINGS, new double[0]);
                break;
            default:
                throw new IllegalArgumentException("unknown row kind " + kind);
        }
        EncodedBatch b = enc.newBatch(1);
        enc.encode(new LabeledSample[] {new LabeledSample("golden", 0, 0, 0, f, null)}, 0, 1, b, false);
        if (kind.equals("multi")) {
            int fi = Arrays.asList(fs.multiFields).indexOf(field);
            assertThat(b.mvStart[fi + 1] - b.mvStart[fi]).as("entries of " + field).isEqualTo(1);
            return b.uniqueRows[b.mvSlots[b.mvStart[fi]]];
        }
        int fi = Arrays.asList(fs.catFields).indexOf(field);
        assertThat(fi).as("field " + field + " in the space").isNotNegative();
        return b.uniqueRows[b.catSlots[fi]];
    }

    private static String[] list(String col) {
        if (col.isEmpty()) {
            return new String[0];
        }
        String[] parts = col.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = GoldenFiles.unescape(parts[i]);
        }
        return parts;
    }

    private static String hex(long v) {
        return String.format("%016x", v);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…(" + s.length() + " chars)";
    }

    private static List<String> head(List<String> diffs) {
        return diffs.size() <= 30 ? diffs : diffs.subList(0, 30);
    }
}
