package io.counterflow.model.snapshot;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Tensor;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/** Little-endian float32 tensor bodies with CRC32, in bounded chunks (no whole-tensor byte copies). */
final class TensorFiles {
    private static final int CHUNK = 1 << 16;

    private TensorFiles() {}

    /** Writes the tensor's active elements; returns their CRC32. */
    static long write(Backend be, Tensor t, DataOutputStream out) throws IOException {
        float[] host = new float[t.size()];
        be.download(t, host, 0);
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off < host.length; off += CHUNK) {
            int n = Math.min(CHUNK, host.length - off);
            buf.clear();
            buf.asFloatBuffer().put(host, off, n);
            crc.update(buf.array(), 0, n * 4);
            out.write(buf.array(), 0, n * 4);
        }
        return crc.getValue();
    }

    /** Reads rows × cols floats into the tensor, checking the CRC32. */
    static void read(Backend be, Tensor t, DataInputStream in, long expectedCrc, String where) throws IOException {
        float[] host = new float[t.size()];
        CRC32 crc = new CRC32();
        byte[] bytes = new byte[CHUNK * 4];
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off < host.length; off += CHUNK) {
            int n = Math.min(CHUNK, host.length - off);
            try {
                in.readFully(bytes, 0, n * 4);
            } catch (java.io.EOFException e) {
                throw new SnapshotFormatException(where + ": truncated (expected " + host.length + " floats)");
            }
            crc.update(bytes, 0, n * 4);
            bb.clear();
            bb.asFloatBuffer().get(host, off, n);
        }
        if (crc.getValue() != expectedCrc) {
            throw new SnapshotFormatException(where + ": checksum mismatch (CRC32 " + Long.toHexString(crc.getValue())
                    + ", manifest says " + Long.toHexString(expectedCrc) + "); the file is corrupt");
        }
        be.upload(host, 0, t);
    }
}
