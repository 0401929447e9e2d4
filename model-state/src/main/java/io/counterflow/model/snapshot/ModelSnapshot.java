package io.counterflow.model.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The serving snapshot: a directory holding {@code manifest.json} and {@code tensors/<name>.f32} (parameters
 * only; optimiser state stays in checkpoints). Format version {@value #FORMAT_VERSION}.
 */
public final class ModelSnapshot {
    public static final String FORMAT = "counterflow-model-snapshot";
    public static final int FORMAT_VERSION = 1;
    public static final String MANIFEST = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelSnapshot() {}

    /**
     * Writes the model's parameters and description into {@code dir} (created; must be empty or absent). The
     * manifest is written last, so a directory without one is incomplete. {@code info} (metrics, checkpoint id,
     * anything JSON-serialisable) is stored under "info".
     */
    public static Path write(CvrModel model, Path dir, Map<String, Object> info) throws IOException {
        Files.createDirectories(dir.resolve("tensors"));
        Backend be = model.backend();
        List<Map<String, Object>> tensors = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
            Tensor t = e.getValue();
            String file = "tensors/" + e.getKey() + ".f32";
            long crc;
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(dir.resolve(file)), 1 << 16))) {
                crc = TensorFiles.write(be, t, out);
            }
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", e.getKey());
            d.put("file", file);
            d.put("rows", t.rows());
            d.put("cols", t.cols());
            d.put("crc32", Long.toHexString(crc));
            tensors.add(d);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("format_version", FORMAT_VERSION);
        m.put("objective", model.objectiveName());
        m.put("settings", model.settings().toJsonMap());
        m.put("feature_space", ModelDescription.featureSpace(model.featureSpace()));
        m.put("counters", ModelDescription.counters(model));
        m.put("info", info == null ? Map.of() : info);
        m.put("tensors", tensors);
        Path tmp = dir.resolve(MANIFEST + ".tmp");
        JSON.writeValue(tmp.toFile(), m);
        Files.move(tmp, dir.resolve(MANIFEST), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** The manifest of a snapshot directory, checked: format, version, and the shape of every field readers cast. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> manifest(Path dir) throws IOException {
        Path mf = dir.resolve(MANIFEST);
        Map<String, Object> m;
        try {
            m = JSON.readValue(mf.toFile(), Map.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new SnapshotFormatException(dir + ": no " + MANIFEST + " (not a Counterflow snapshot, or incomplete)");
        } catch (IOException e) {
            throw new SnapshotFormatException(mf + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (m == null) {
            throw new SnapshotFormatException(mf + ": not a JSON object");
        }
        if (!FORMAT.equals(m.get("format"))) {
            throw new SnapshotFormatException(mf + ": format is " + m.get("format") + ", expected " + FORMAT);
        }
        Object v = m.get("format_version");
        if (!(v instanceof Integer || v instanceof Long)) {
            throw new SnapshotFormatException(mf + ": format_version " + (v == null ? "is missing" : "'" + v
                    + "' is not an integer"));
        }
        if (((Number) v).longValue() != FORMAT_VERSION) {
            throw new SnapshotFormatException(mf + ": format_version " + v + " is not supported (this build reads "
                    + FORMAT_VERSION + ")");
        }
        checkStructure(m, mf.toString());
        return m;
    }

    /**
     * The manifest's shape, so that readers can cast safely: settings and feature_space objects, counters an object
     * if present, and a tensor list whose entries each have a string name and file, positive integer rows and cols,
     * and a hex CRC32.
     */
    private static void checkStructure(Map<String, Object> m, String where) throws SnapshotFormatException {
        for (String key : new String[] {"settings", "feature_space"}) {
            if (!(m.get(key) instanceof Map)) {
                throw new SnapshotFormatException(where + ": " + key + (m.containsKey(key) ? " is not an object"
                        : " is missing"));
            }
        }
        if (m.containsKey("counters") && !(m.get("counters") instanceof Map)) {
            throw new SnapshotFormatException(where + ": counters is not an object");
        }
        Object list = m.get("tensors");
        if (!(list instanceof List)) {
            throw new SnapshotFormatException(where + ": no tensor list" + (list == null ? ""
                    : " (tensors is not a list)"));
        }
        List<?> tensors = (List<?>) list;
        for (int i = 0; i < tensors.size(); i++) {
            if (!(tensors.get(i) instanceof Map)) {
                throw new SnapshotFormatException(where + ": tensors[" + i + "] is not an object");
            }
            Map<?, ?> t = (Map<?, ?>) tensors.get(i);
            for (String key : new String[] {"name", "file", "crc32"}) {
                if (!(t.get(key) instanceof String) || ((String) t.get(key)).isEmpty()) {
                    throw new SnapshotFormatException(where + ": tensors[" + i + "] (" + t.get("name") + ") has no "
                            + key + " string");
                }
            }
            for (String key : new String[] {"rows", "cols"}) {
                Object n = t.get(key);
                if (!(n instanceof Integer) || (Integer) n <= 0) {
                    throw new SnapshotFormatException(where + ": tensors[" + i + "] (" + t.get("name") + ") has "
                            + key + " " + n + ", expected a positive integer");
                }
            }
            String crc = (String) t.get("crc32");
            if (crc.length() > 8 || !crc.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new SnapshotFormatException(where + ": tensors[" + i + "] (" + t.get("name") + ") has crc32 '"
                        + crc + "', expected up to 8 hex digits");
            }
        }
    }

    /** Loads a snapshot into a model on the given backend, with capacity for batches of batchCapacity. */
    @SuppressWarnings("unchecked")
    public static CvrModel read(Path dir, Backend backend, int batchCapacity) throws IOException {
        Map<String, Object> m = manifest(dir);
        String where = dir.resolve(MANIFEST).toString();
        Settings settings = ModelDescription.settings(m.get("settings"), where);
        FeatureSpace fs = ModelDescription.featureSpace((Map<String, Object>) m.get("feature_space"), where);
        List<Map<String, Object>> tensors = (List<Map<String, Object>>) m.get("tensors");
        if (tensors == null) {
            throw new SnapshotFormatException(where + ": no tensor list");
        }
        // Shapes against the bytes present, before allocating anything.
        long onDisk = 0;
        for (Map<String, Object> t : tensors) {
            Path f = dir.resolve((String) t.get("file")).normalize();
            if (!f.startsWith(dir.normalize())) {
                throw new SnapshotFormatException(where + ": tensor file " + t.get("file") + " escapes the snapshot");
            }
            long floats = ((Number) t.get("rows")).longValue() * ((Number) t.get("cols")).longValue();
            long size = Files.exists(f) ? Files.size(f) : -1;
            if (size != floats * 4) {
                throw new SnapshotFormatException(f + ": " + (size < 0 ? "missing" : size + " bytes") + ", but the manifest "
                        + "declares " + t.get("rows") + "x" + t.get("cols") + " floats (" + floats * 4 + " bytes)");
            }
            onDisk += floats;
        }
        long needed = ModelDescription.parameterFloats(settings, fs);
        if (needed > onDisk) {
            throw new SnapshotFormatException(where + ": settings imply at least " + needed + " parameters but the "
                    + "snapshot holds " + onDisk + "; refusing to allocate");
        }
        CvrModel model = new CvrModel(settings, fs, backend, batchCapacity);
        try {
            Map<String, Tensor> have = model.parameters();
            int params = have.size();
            if (params != tensors.size()) {
                throw new SnapshotFormatException(where + ": " + tensors.size() + " tensors, but a " + settings.get(Settings.OBJECTIVE) + " model with these settings has " + params);
            }
            for (Map<String, Object> t : tensors) {
                String name = (String) t.get("name");
                Tensor target = have.get(name);
                if (target == null) {
                    throw new SnapshotFormatException(where + ": unknown tensor '" + name + "'");
                }
                int rows = ((Number) t.get("rows")).intValue();
                int cols = ((Number) t.get("cols")).intValue();
                if (rows != target.rows() || cols != target.cols()) {
                    throw new SnapshotFormatException(where + ": tensor '" + name + "' is " + rows + "x" + cols
                            + ", the model expects " + target.rows() + "x" + target.cols());
                }
                Path f = dir.resolve((String) t.get("file"));
                long crc = Long.parseUnsignedLong((String) t.get("crc32"), 16);
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f), 1 << 16))) {
                    TensorFiles.read(backend, target, in, crc, f.toString());
                }
            }
            Map<String, Object> c = (Map<String, Object>) m.getOrDefault("counters", Map.of());
            model.restoreCounters(num(c.get("step")), num(c.get("skipped_batches")), num(c.get("trained_samples")));
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static long num(Object o) {
        return o instanceof Number ? ((Number) o).longValue() : 0;
    }

    /** Loads a snapshot into a scorer on the {@code auto} backend. */
    public static CvrScorer load(Path dir) throws IOException {
        return CvrScorer.load(dir);
    }
}
