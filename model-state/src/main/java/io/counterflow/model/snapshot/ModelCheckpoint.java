package io.counterflow.model.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole training state as one stream: magic "CFCK", format version (int), header length (int), header JSON
 * (settings, feature space with numeric statistics, counters, tensor names, shapes, CRC32s), then each tensor's
 * little-endian floats in header order. Parameters and optimiser state are both included, so training resumes
 * exactly where it stopped.
 */
public final class ModelCheckpoint {
    public static final int MAGIC = 0x43464348; // "CFCH"
    public static final int FORMAT_VERSION = 1;
    private static final int MAX_HEADER = 16 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelCheckpoint() {}

    /** Writes the model's full state. */
    public static void write(CvrModel model, OutputStream os) throws IOException {
        Backend be = model.backend();
        Map<String, Tensor> tensors = model.tensors();
        // Tensor bodies first into memory-light CRC pass: checksums go in the header, so compute them up front.
        List<Map<String, Object>> list = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", e.getKey());
            d.put("rows", e.getValue().rows());
            d.put("cols", e.getValue().cols());
            d.put("crc32", Long.toHexString(TensorFiles.write(be, e.getValue(),
                    new DataOutputStream(OutputStream.nullOutputStream()))));
            list.add(d);
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("objective", model.objectiveName());
        h.put("settings", model.settings().toJsonMap());
        h.put("feature_space", ModelDescription.featureSpace(model.featureSpace()));
        h.put("counters", ModelDescription.counters(model));
        h.put("tensors", list);
        byte[] header = JSON.writeValueAsBytes(h);
        DataOutputStream out = new DataOutputStream(os);
        out.writeInt(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeInt(header.length);
        out.write(header);
        for (Tensor t : tensors.values()) {
            TensorFiles.write(be, t, out);
        }
        out.flush();
    }

    /** Reads a full state written by {@link #write} into a new model on the given backend. */
    @SuppressWarnings("unchecked")
    public static CvrModel read(InputStream is, Backend backend, int batchCapacity) throws IOException {
        DataInputStream in = new DataInputStream(is);
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new SnapshotFormatException("not a Counterflow model checkpoint (magic " + Integer.toHexString(magic)
                    + ")");
        }
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new SnapshotFormatException("model checkpoint format version " + version
                    + " is not supported (this build reads " + FORMAT_VERSION + ")");
        }
        int len = in.readInt();
        if (len <= 0 || len > MAX_HEADER) {
            throw new SnapshotFormatException("model checkpoint header length " + len + " outside (0, " + MAX_HEADER + "]");
        }
        byte[] header = new byte[len];
        in.readFully(header);
        Map<String, Object> h;
        try {
            h = JSON.readValue(new String(header, StandardCharsets.UTF_8), Map.class);
        } catch (IOException e) {
            throw new SnapshotFormatException("model checkpoint header is not valid JSON: " + e.getMessage());
        }
        Settings settings = ModelDescription.settings(h.get("settings"), "model checkpoint");
        FeatureSpace fs = ModelDescription.featureSpace((Map<String, Object>) h.get("feature_space"), "model checkpoint");
        long declared = 0;
        List<Map<String, Object>> list = (List<Map<String, Object>>) h.get("tensors");
        for (Map<String, Object> t : list) {
            declared += ((Number) t.get("rows")).longValue() * ((Number) t.get("cols")).longValue();
        }
        long needed = ModelDescription.parameterFloats(settings, fs);
        if (needed > declared || declared * 4 > Runtime.getRuntime().maxMemory()) {
            throw new SnapshotFormatException("model checkpoint declares " + declared + " floats for settings that need "
                    + needed + ", or more than this JVM's heap; refusing to allocate");
        }
        CvrModel model = new CvrModel(settings, fs, backend, batchCapacity);
        try {
            Map<String, Tensor> have = model.tensors();
            if (have.size() != list.size()) {
                throw new SnapshotFormatException("model checkpoint holds " + list.size() + " tensors, the model has "
                        + have.size());
            }
            for (Map<String, Object> t : list) {
                String name = (String) t.get("name");
                Tensor target = have.get(name);
                int rows = ((Number) t.get("rows")).intValue();
                int cols = ((Number) t.get("cols")).intValue();
                if (target == null || target.rows() != rows || target.cols() != cols) {
                    throw new SnapshotFormatException("model checkpoint tensor '" + name + "' (" + rows + "x" + cols
                            + ") does not match the model" + (target == null ? "" : " (" + target.rows() + "x"
                            + target.cols() + ")"));
                }
                TensorFiles.read(backend, target, in, Long.parseUnsignedLong((String) t.get("crc32"), 16),
                        "model checkpoint tensor '" + name + "'");
            }
            Map<String, Object> c = (Map<String, Object>) h.get("counters");
            model.restoreCounters(((Number) c.get("step")).longValue(), ((Number) c.get("skipped_batches")).longValue(),
                    ((Number) c.get("trained_samples")).longValue());
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
