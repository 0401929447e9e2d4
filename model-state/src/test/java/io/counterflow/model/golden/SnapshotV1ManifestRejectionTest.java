package io.counterflow.model.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.snapshot.ModelSnapshot;
import io.counterflow.model.snapshot.SnapshotFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A copy of the golden v1 esmm snapshot with one manifest field missing or garbled is rejected with a {@link
 * SnapshotFormatException} whose message names the snapshot's file and (where the field itself is wrong) the field,
 * never a bare NullPointerException, ClassCastException or NoClassDefFoundError, and never a model built from a
 * guess. Unknown future format versions, corrupt and truncated
 * tensor files, crafted shapes and a missing manifest are covered by {@code
 * io.counterflow.model.snapshot.ModelSnapshotTest#rejectsUnknownVersionCorruptionTruncationAndCraftedShapes}.
 */
class SnapshotV1ManifestRejectionTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @TempDir Path tmp;

    static Arguments damage(String name, Consumer<ObjectNode> edit, String... messageParts) {
        return Arguments.of(name, edit, messageParts);
    }

    private static ObjectNode tensor(ObjectNode m, int i) {
        return (ObjectNode) m.withArray("tensors").get(i);
    }

    static Stream<Arguments> damages() {
        return Stream.of(
                damage("format version missing", m -> m.remove("format_version"), "format_version"),
                damage("format version a string", m -> m.put("format_version", "1"), "format_version"),
                damage("format version fractional", m -> m.put("format_version", 1.5), "format_version"),
                damage("format missing", m -> m.remove("format"), "format"),
                damage("format of another tool", m -> m.put("format", "tensorflow-saved-model"), "format",
                        "tensorflow-saved-model"),
                damage("settings missing", m -> m.remove("settings"), "settings"),
                damage("settings not an object", m -> m.put("settings", "esmm"), "settings"),
                damage("unknown setting", m -> m.with("settings").put("learning-rate-typo", 0.1), "settings",
                        "learning-rate-typo"),
                damage("setting garbled", m -> m.with("settings").put("towers", "eight,four"), "settings",
                        "towers"),
                damage("setting out of range", m -> m.with("settings").put("embedding-dim", 0), "settings",
                        "embedding-dim"),
                damage("feature space missing", m -> m.remove("feature_space"), "feature_space"),
                damage("feature space buckets garbled", m -> m.with("feature_space").put("buckets", "many"),
                        "feature_space"),
                damage("feature space fields missing", m -> m.with("feature_space").remove("categorical"),
                        "feature_space"),
                damage("feature space not an object", m -> m.put("feature_space", 512), "feature_space"),
                damage("feature space dim disagrees with settings", m -> m.with("feature_space")
                        .put("embedding_dim", 8)),
                damage("setting of the wrong type", m -> m.with("settings").put("table-per-field", "no"),
                        "settings", "table-per-field"),
                damage("counters garbled", m -> m.put("counters", 18), "counters"),
                damage("tensor list missing", m -> m.remove("tensors"), "tensor"),
                damage("tensor list not a list", m -> m.put("tensors", "all of them"), "tensors"),
                damage("tensor dropped", m -> m.withArray("tensors").remove(m.withArray("tensors").size() - 1)),
                damage("tensor renamed", m -> tensor(m, 1).put("name", "tower.click.0.w"), "tower.click.0.w"),
                damage("tensor name missing", m -> tensor(m, 1).remove("name"), "tensor", "name"),
                damage("tensor file missing", m -> tensor(m, 1).remove("file"), "tensor", "file"),
                damage("tensor rows missing", m -> tensor(m, 1).remove("rows"), "tensor", "rows"),
                damage("tensor cols garbled", m -> tensor(m, 1).put("cols", "eight"), "tensor", "cols"),
                damage("tensor rows zero", m -> tensor(m, 1).put("rows", 0), "tensor", "rows"),
                damage("tensor checksum missing", m -> tensor(m, 1).remove("crc32"), "tensor", "crc32"),
                damage("tensor checksum garbled", m -> tensor(m, 1).put("crc32", "not-hex"), "tensor", "crc32"),
                damage("tensor checksum wrong", m -> tensor(m, 1).put("crc32", "12345678"), "checksum mismatch"),
                damage("tensor entry not an object", m -> ((ArrayNode) m.get("tensors")).set(1,
                        m.textNode("tower.ctr.0.w")), "tensor"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void damagedManifestIsRejectedWithAClearMessage(String name, Consumer<ObjectNode> edit, String[] messageParts)
            throws IOException {
        Path dir = copyOfGolden("snapshot-v1-esmm/model");
        Path mf = dir.resolve(ModelSnapshot.MANIFEST);
        ObjectNode m = (ObjectNode) JSON.readTree(mf.toFile());
        edit.accept(m);
        JSON.writeValue(mf.toFile(), m);
        try (Backend be = Backends.create("java")) {
            assertThatThrownBy(() -> ModelSnapshot.read(dir, be, 8)).as(name)
                    .isInstanceOf(SnapshotFormatException.class).hasMessageContaining(dir.toString())
                    .satisfies(e -> {
                        for (String part : messageParts) {
                            assertThat(e.getMessage()).as(name).contains(part);
                        }
                    });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notJson")
    void manifestThatIsNotAJsonObjectIsRejected(String name, String text) throws IOException {
        Path dir = copyOfGolden("snapshot-v1-esmm/model");
        Path mf = dir.resolve(ModelSnapshot.MANIFEST);
        Files.writeString(mf, text);
        try (Backend be = Backends.create("java")) {
            assertThatThrownBy(() -> ModelSnapshot.read(dir, be, 8)).as(name)
                    .isInstanceOf(SnapshotFormatException.class).hasMessageContaining(mf.toString());
        }
    }

    static Stream<Arguments> notJson() {
        return Stream.of(Arguments.of("empty", ""), Arguments.of("truncated", "{\"format\" : \"counterflow-mod"),
                Arguments.of("an array", "[1, 2, 3]"), Arguments.of("a string", "\"manifest\""),
                Arguments.of("null", "null"));
    }

    private Path copyOfGolden(String relative) throws IOException {
        Path src = GoldenFiles.resolve(relative);
        Path dst = tmp.resolve("copy");
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return dst;
    }
}
