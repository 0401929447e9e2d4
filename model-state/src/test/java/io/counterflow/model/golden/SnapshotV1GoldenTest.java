package io.counterflow.model.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelCheckpoint;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.DataType;
import org.apache.flink.ml.servable.types.DataTypes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The v1 model snapshots and checkpoint in {@code golden/} must load through the normal public path and score
 * {@code golden/impressions-v1.jsonl} exactly as they did when they were written (within {@link #TOLERANCE}), on
 * every backend this machine has. A failure here means that models already trained and published would stop
 * loading, or would silently change their predictions, after an upgrade. Only public API is used (loading,
 * scoring through the flink-ml {@code ModelServable} transform), never the model's internal classes, so that
 * refactorings of the model core are judged against these files, not adapted to them.
 */
class SnapshotV1GoldenTest {
    /** Absolute tolerance on pCTR, pCVR and pCTCVR, for every backend. */
    static final double TOLERANCE = 1e-6;

    /** Every v1 snapshot folder; each covers a tensor-naming variant (see golden/README.md). */
    static final List<String> SNAPSHOTS = List.of("snapshot-v1-esmm", "snapshot-v1-dcmt", "snapshot-v1-escm2-dr",
            "snapshot-v1-escm2-dr-mmoe");
    /** Every v1 checkpoint folder. */
    static final List<String> CHECKPOINTS = List.of("checkpoint-v1-esmm");

    private static final String BROKEN = "\nA v1 golden no longer loads or scores as it did when it was written: "
            + "models already published would break or change their predictions after an upgrade. Fix the code "
            + "(or add a compatible reader), never the golden files (model-state/src/test/resources/golden/README.md).";

    static Stream<Arguments> snapshotsOnBackends() {
        return SNAPSHOTS.stream().flatMap(s -> Stream.of("java", "openblas", "cuda").map(b -> Arguments.of(s, b)));
    }

    static Stream<Arguments> checkpointsOnBackends() {
        return CHECKPOINTS.stream().flatMap(s -> Stream.of("java", "openblas", "cuda").map(b -> Arguments.of(s, b)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("snapshotsOnBackends")
    void snapshotLoadsAndScoresTheGoldenPredictions(String golden, String backend) throws IOException {
        Path dir = GoldenFiles.resolve(golden + "/model");
        try (Backend be = createOrSkip(backend); var model = loaded(golden, () -> ModelSnapshot.read(dir, be, 32))) {
            assertMatches(golden + " on " + backend, score(CvrScorer.of(model)), golden);
        }
    }

    /** The serving path: {@code CvrScorer.load} on the {@code auto} backend, as the CLI and the server load. */
    @ParameterizedTest
    @ValueSource(strings = {"snapshot-v1-esmm", "snapshot-v1-dcmt", "snapshot-v1-escm2-dr",
        "snapshot-v1-escm2-dr-mmoe"})
    void snapshotLoadsWithTheServingDefaults(String golden) throws IOException {
        try (CvrScorer scorer = loaded(golden, () -> ModelSnapshot.load(GoldenFiles.resolve(golden + "/model")))) {
            assertMatches(golden + " via ModelSnapshot.load", score(scorer), golden);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("checkpointsOnBackends")
    void checkpointLoadsAndScoresTheGoldenPredictions(String golden, String backend) throws IOException {
        try (Backend be = createOrSkip(backend); InputStream in = Files.newInputStream(checkpoint(golden));
                var model = loaded(golden, () -> ModelCheckpoint.read(in, be, 32))) {
            assertMatches(golden + " on " + backend, score(CvrScorer.of(model)), golden);
        }
    }

    /** The flink-ml {@code ModelServable.setModelData} path, which reads a checkpoint stream. */
    @Test
    void checkpointLoadsAsModelServableData() throws IOException {
        for (String golden : CHECKPOINTS) {
            try (InputStream in = Files.newInputStream(checkpoint(golden)); CvrScorer scorer = new CvrScorer()) {
                loaded(golden, () -> scorer.setModelData(in));
                assertMatches(golden + " via setModelData", score(scorer), golden);
            }
        }
    }

    /** A golden folder nobody tests protects nothing: every v1 folder on disk is in the lists above. */
    @Test
    void everyGoldenFolderIsCovered() throws IOException {
        try (Stream<Path> s = Files.list(GoldenFiles.root())) {
            List<String> folders = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> n.contains("-v1")).sorted().collect(Collectors.toList());
            List<String> tested = new ArrayList<>(SNAPSHOTS);
            tested.addAll(CHECKPOINTS);
            assertThat(folders).containsExactlyInAnyOrderElementsOf(tested);
        }
    }

    /** A loading step that may fail. */
    interface Load<T> {
        T run() throws IOException;
    }

    /** Runs a load; a golden that does not load fails with the reader's message and why it matters. */
    static <T> T loaded(String golden, Load<T> load) {
        try {
            return load.run();
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(golden + " does not load: " + e + BROKEN, e);
        }
    }

    private static Path checkpoint(String golden) {
        return GoldenFiles.resolve(golden + "/checkpoint.bin");
    }

    /**
     * The backend, or a skip when it cannot run here: CUDA without a device, OpenBLAS on a platform whose natives
     * the build does not ship. On linux-x86_64 OpenBLAS ships with the build, so failing to load it fails.
     */
    static Backend createOrSkip(String name) {
        if (name.equals("cuda")) {
            Backends.cudaUnavailableReason().ifPresent(r -> Assumptions.abort("no CUDA here: " + r));
        }
        try {
            return Backends.create(name);
        } catch (RuntimeException | LinkageError e) {
            String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
            if (name.equals("openblas") && os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
                throw new AssertionError("OpenBLAS must load on linux-x86_64: " + e, e);
            }
            Assumptions.abort("backend " + name + " cannot be created here: " + e);
            throw new IllegalStateException("unreachable");
        }
    }

    /** One scored impression: id and the three probabilities. */
    static final class Prediction {
        final String id;
        final double ctr;
        final double cvr;
        final double ctcvr;

        Prediction(String id, double ctr, double cvr, double ctcvr) {
            this.id = id;
            this.ctr = ctr;
            this.cvr = cvr;
            this.ctcvr = ctcvr;
        }
    }

    /** The golden impressions through the scorer's ModelServable transform (impression JSON in, columns out). */
    static List<Prediction> score(CvrScorer scorer) throws IOException {
        List<String> json = Files.readAllLines(GoldenFiles.resolve("impressions-v1.jsonl"), StandardCharsets.UTF_8)
                .stream().filter(l -> !l.isBlank()).collect(Collectors.toList());
        assertThat(json).as("golden impressions").hasSize(20);
        List<Row> rows = new ArrayList<>();
        for (String j : json) {
            rows.add(new Row(new ArrayList<>(List.of(j))));
        }
        // Mutable lists: DataFrame.addColumn mutates what it was built from.
        List<DataType> types = new ArrayList<>(List.of(DataTypes.STRING));
        DataFrame out = scorer.transform(new DataFrame(new ArrayList<>(List.of(CvrScorer.INPUT_COLUMN)), types, rows));
        int ctr = out.getIndex("ctr");
        int cvr = out.getIndex("cvr");
        int ctcvr = out.getIndex("ctcvr");
        List<Prediction> p = new ArrayList<>();
        List<Row> res = out.collect();
        for (int i = 0; i < res.size(); i++) {
            Row r = res.get(i);
            p.add(new Prediction(idOf(json.get(i)), ((Number) r.get(ctr)).doubleValue(),
                    ((Number) r.get(cvr)).doubleValue(), ((Number) r.get(ctcvr)).doubleValue()));
        }
        return p;
    }

    /** The id of one golden impression line (they all start {"id":"g-NN", so no JSON parser is needed). */
    private static String idOf(String json) {
        String prefix = "{\"id\":\"";
        assertThat(json).startsWith(prefix);
        return json.substring(prefix.length(), json.indexOf('"', prefix.length()));
    }

    static List<Prediction> golden(String folder) {
        List<GoldenFiles.Line> lines = GoldenFiles.tsv(folder + "/predictions.tsv");
        assertThat(lines.get(0).cols).containsExactly("id", "ctr", "cvr", "ctcvr");
        List<Prediction> p = new ArrayList<>();
        for (GoldenFiles.Line l : lines.subList(1, lines.size())) {
            p.add(new Prediction(l.cols[0], Float.parseFloat(l.cols[1]), Float.parseFloat(l.cols[2]),
                    Double.parseDouble(l.cols[3])));
        }
        return p;
    }

    static void assertMatches(String what, List<Prediction> actual, String folder) {
        List<Prediction> expected = golden(folder);
        assertThat(actual).as(what + ": predictions").hasSameSizeAs(expected);
        List<String> diffs = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            Prediction e = expected.get(i);
            Prediction a = actual.get(i);
            assertThat(a.id).as(what + ": id of prediction " + i).isEqualTo(e.id);
            compare(diffs, e.id, "ctr", a.ctr, e.ctr);
            compare(diffs, e.id, "cvr", a.cvr, e.cvr);
            compare(diffs, e.id, "ctcvr", a.ctcvr, e.ctcvr);
        }
        if (!diffs.isEmpty()) {
            fail(what + ": " + diffs.size() + " of the " + 3 * expected.size() + " values differ from " + folder + "/predictions.tsv by more than "
                    + TOLERANCE + ":\n" + String.join("\n", diffs) + BROKEN);
        }
    }

    private static void compare(List<String> diffs, String id, String name, double actual, double expected) {
        if (!(Math.abs(actual - expected) <= TOLERANCE)) {
            diffs.add("  " + id + " " + name + " = " + actual + ", golden " + expected + " (|diff| "
                    + Math.abs(actual - expected) + ")");
        }
    }
}
