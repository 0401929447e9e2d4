package io.counterflow.operators.train;

import io.counterflow.model.feedback.FeedbackCorrection;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.snapshot.ModelCheckpoint;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The training operator's state as a list of byte chunks (operator {@code ListState<byte[]>}): an envelope
 * (magic, version, the operator's own counters, whether a model exists) followed by the model's complete training
 * state in {@link ModelCheckpoint} format (settings, feature space with numeric statistics, counters, every
 * parameter and optimiser tensor; versioned and checksummed itself). Chunks bound the size of single state
 * entries; they are fresh arrays each snapshot and never mutated after being handed to Flink.
 */
final class TrainingStateCodec {
    static final int MAGIC = 0x43465452; // "CFTR"
    /**
     * 3: the {@link SampleAudit} and the step of the last emitted model version follow the correction's state. 2 (still read): the delayed-feedback correction's
     * state follows the model. 1 (still read): no correction state.
     */
    static final int VERSION = 3;
    static final int CHUNK_BYTES = 1 << 20;

    private TrainingStateCodec() {}

    /** The operator's counters that the model does not keep itself. */
    static final class Counters {
        long seenBatches;
        long seenSamples;
        /** Batches dropped before encoding because an input value was not finite. */
        long nonFiniteInputBatches;
        /** Model step of the last model version emitted before a checkpoint barrier; -1: none (or unknown). */
        long lastEmittedStep = -1;
    }

    static List<byte[]> write(Counters c, CvrModel model, FeedbackCorrection correction, SampleAudit audit)
            throws IOException {
        ChunkedOutputStream chunks = new ChunkedOutputStream(CHUNK_BYTES);
        DataOutputStream out = new DataOutputStream(chunks);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(c.seenBatches);
        out.writeLong(c.seenSamples);
        out.writeLong(c.nonFiniteInputBatches);
        out.writeBoolean(model != null);
        out.flush();
        if (model != null) {
            ModelCheckpoint.write(model, chunks);
        }
        DataOutputStream tail = new DataOutputStream(chunks);
        correction.write(tail);
        audit.write(tail);
        tail.writeLong(c.lastEmittedStep);
        tail.flush();
        chunks.close();
        return chunks.chunks();
    }

    /** The restored state: counters and the model ({@code null} when the snapshot was taken before any batch). */
    static final class Restored {
        final Counters counters;
        final CvrModel model;

        Restored(Counters counters, CvrModel model) {
            this.counters = counters;
            this.model = model;
        }
    }

    /**
     * Reads a state of version 1, 2 or 3; the correction's learned state (version 2 on) is restored into {@code
     * correction}, which keeps its fresh state for version 1; the audit (version 3) into {@code audit}, which is
     * marked incomplete for older versions.
     */
    static Restored read(Iterable<byte[]> chunks, Backend backend, int batchCapacity, FeedbackCorrection correction,
            SampleAudit audit) throws IOException {
        List<InputStream> streams = new ArrayList<>();
        for (byte[] c : chunks) {
            streams.add(new ByteArrayInputStream(c));
        }
        if (streams.isEmpty()) {
            return null;
        }
        InputStream in = new SequenceInputStream(Collections.enumeration(streams));
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new IOException("training operator state: bad magic 0x" + Integer.toHexString(magic)
                    + " (not written by TrainingOperator)");
        }
        int version = data.readInt();
        if (version < 1 || version > VERSION) {
            throw new IOException("training operator state: unknown version " + version + " (this build reads 1 to "
                    + VERSION + ")");
        }
        Counters c = new Counters();
        c.seenBatches = data.readLong();
        c.seenSamples = data.readLong();
        c.nonFiniteInputBatches = data.readLong();
        CvrModel model = data.readBoolean() ? ModelCheckpoint.read(data, backend, batchCapacity) : null;
        if (version >= 2) {
            correction.read(data);
        }
        if (version >= 3) {
            audit.read(data);
            c.lastEmittedStep = data.readLong();
        } else {
            audit.markIncomplete();
        }
        return new Restored(c, model);
    }

    /** An output stream that fills fixed-size chunks (the last one trimmed). */
    static final class ChunkedOutputStream extends OutputStream {
        private final int chunkSize;
        private final List<byte[]> done = new ArrayList<>();
        private byte[] current;
        private int pos;

        ChunkedOutputStream(int chunkSize) {
            this.chunkSize = chunkSize;
            this.current = new byte[chunkSize];
        }

        @Override
        public void write(int b) {
            if (pos == chunkSize) {
                roll();
            }
            current[pos++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            while (len > 0) {
                if (pos == chunkSize) {
                    roll();
                }
                int n = Math.min(len, chunkSize - pos);
                System.arraycopy(b, off, current, pos, n);
                pos += n;
                off += n;
                len -= n;
            }
        }

        private void roll() {
            done.add(current);
            current = new byte[chunkSize];
            pos = 0;
        }

        @Override
        public void close() {
            if (current != null) {
                if (pos > 0) {
                    done.add(java.util.Arrays.copyOf(current, pos));
                }
                current = null;
            }
        }

        List<byte[]> chunks() {
            return done;
        }
    }
}
