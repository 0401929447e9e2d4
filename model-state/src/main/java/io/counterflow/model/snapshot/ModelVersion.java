package io.counterflow.model.snapshot;

import io.counterflow.model.nn.CvrModel;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A model version as of one checkpoint, in memory: the files of its {@link ModelSnapshot} directory (relative
 * paths, {@value ModelSnapshot#MANIFEST} last) and what the manifest's {@code info} says. The training operator
 * emits one per checkpoint at which the model changed; the version sink stages and publishes it. A Flink POJO (no
 * Kryo): public fields and a no-argument constructor.
 */
public final class ModelVersion {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The checkpoint the version belongs to (0: end of input without checkpointing). */
    public long checkpointId;
    /** The model's optimiser step and trained samples. */
    public long step;
    public long trainedSamples;
    /** The manifest's {@code info} object as JSON. */
    public String infoJson;
    /** File paths relative to the version directory; the manifest last. */
    public String[] files;
    /** The files' contents, index for index. */
    public byte[][] contents;

    /** For Flink's POJO serializer. */
    public ModelVersion() {}

    /** The version directory's name: {@code v-<checkpointId>-<step>}. */
    public String name() {
        return name(checkpointId, step);
    }

    public static String name(long checkpointId, long step) {
        return "v-" + checkpointId + "-" + step;
    }

    /** Total bytes of the files. */
    public long bytes() {
        long n = 0;
        for (byte[] c : contents) {
            n += c.length;
        }
        return n;
    }

    /**
     * The snapshot of {@code model} with {@code info}, written through {@code scratch} (a local directory that is
     * created and deleted again).
     */
    public static ModelVersion of(CvrModel model, long checkpointId, Map<String, Object> info, Path scratch)
            throws IOException {
        try {
            ModelSnapshot.write(model, scratch, info);
            return fromDirectory(scratch, checkpointId, model.step(), model.trainedSamples(),
                    JSON.writeValueAsString(info));
        } finally {
            deleteRecursively(scratch);
        }
    }

    /** The files of a snapshot directory ({@value ModelSnapshot#MANIFEST} last) as a version. */
    public static ModelVersion fromDirectory(Path dir, long checkpointId, long step, long trainedSamples,
            String infoJson) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(paths::add);
        }
        paths.sort(Comparator.comparing((Path p) -> p.getFileName().toString().equals(ModelSnapshot.MANIFEST))
                .thenComparing(Path::toString));
        ModelVersion v = new ModelVersion();
        v.checkpointId = checkpointId;
        v.step = step;
        v.trainedSamples = trainedSamples;
        v.infoJson = infoJson;
        v.files = new String[paths.size()];
        v.contents = new byte[paths.size()][];
        for (int i = 0; i < paths.size(); i++) {
            v.files[i] = dir.relativize(paths.get(i)).toString().replace('\\', '/');
            v.contents[i] = Files.readAllBytes(paths.get(i));
        }
        return v;
    }

    /** Writes the files into {@code dir} (created), the manifest last: a loadable snapshot directory. */
    public void writeTo(Path dir) throws IOException {
        for (int i = 0; i < files.length; i++) {
            Path f = dir.resolve(files[i]);
            Files.createDirectories(f.getParent());
            Files.write(f, contents[i]);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "ModelVersion{" + name() + ", " + (files == null ? 0 : files.length) + " files}";
    }
}
