package io.counterflow.operators.train;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.LabeledSample;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An order-independent account of every labeled row the trainer received, kept in its checkpointed state and
 * published in every model version's manifest ({@code info.audit}), so that a run can be checked against the
 * events it was fed: no sample lost, none trained twice, across failures, restores and rescaling.
 *
 * <p>Per class of rows, a count and the sum (mod 2<sup>64</sup>) of {@link #hash(String)} of the impression ids:
 * <ul>
 *   <li>{@code impressions}: rows whose emission is {@link Emission#FINAL} or {@link Emission#FIRST}. Under every
 *       labeling policy each impression has exactly one such row.</li>
 *   <li>{@code clicks}: those of them with {@code click = 1} (each clicked impression once).</li>
 *   <li>{@code conversions}: rows with {@code conversion = 1} other than {@link Emission#FINAL_COPY} (each converted
 *       impression exactly once: its first row when the conversion came before it, else its correction).</li>
 * </ul>
 * A duplicated row changes a count; a lost row changes a count; a row of another impression changes a checksum.
 * Rows are counted when the trainer receives them, also when a batch is then skipped for numerical trouble (that is
 * counted separately). Updating is allocation-free: the hash runs over the id's UTF-16 chars.
 *
 * <p>Persisted as version {@link #VERSION} inside the training state ({@link TrainingStateCodec} version 3). A
 * state of an older codec has no audit: the trainer then starts an audit that is marked incomplete.
 */
public final class SampleAudit {
    /** Version of the audit's persisted form and of its manifest object. */
    public static final int VERSION = 1;

    private long rows;
    private long impressions;
    private long impressionChecksum;
    private long clicks;
    private long clickChecksum;
    private long conversions;
    private long conversionChecksum;
    /** False when the state this audit continues had none (older codec): its counts cover only rows since then. */
    private boolean complete = true;

    /**
     * 64-bit hash of an impression id: FNV-1a over its UTF-16 chars, then the SplitMix64 finaliser. Stable across
     * versions (it is part of the published audit).
     */
    public static long hash(String impressionId) {
        return io.counterflow.model.feature.EncodedSamples.idHash(impressionId);
    }

    /** Accounts for one received row. */
    public void add(LabeledSample s) {
        rows++;
        String id = s.id == null ? "" : s.id;
        long h = -1;
        Emission e = s.emission == null ? Emission.FINAL : s.emission;
        if (e == Emission.FINAL || e == Emission.FIRST) {
            h = hash(id);
            impressions++;
            impressionChecksum += h;
            if (s.click == 1) {
                clicks++;
                clickChecksum += h;
            }
        }
        if (s.conversion == 1 && e != Emission.FINAL_COPY) {
            conversions++;
            conversionChecksum += h == -1 ? hash(id) : h;
        }
    }

    /** Accounts for one row given by its id hash ({@link #hash}), emission kind and labels. */
    public void add(long idHash, Emission e, int click, int conversion) {
        rows++;
        if (e == Emission.FINAL || e == Emission.FIRST) {
            impressions++;
            impressionChecksum += idHash;
            if (click == 1) {
                clicks++;
                clickChecksum += idHash;
            }
        }
        if (conversion == 1 && e != Emission.FINAL_COPY) {
            conversions++;
            conversionChecksum += idHash;
        }
    }

    /** Accounts for every row of an encoded batch. */
    public void addAll(io.counterflow.model.feature.EncodedSamples b) {
        for (int i = 0; i < b.n; i++) {
            add(b.idHash[i], b.emission(i), b.click[i], b.conversion[i]);
        }
    }

    /** Accounts for {@code samples[off, off + n)}. */
    public void addAll(LabeledSample[] samples, int off, int n) {
        for (int i = off; i < off + n; i++) {
            add(samples[i]);
        }
    }

    /** Marks the audit as covering only part of the model's history. */
    void markIncomplete() {
        complete = false;
    }

    public long rows() {
        return rows;
    }

    public long impressions() {
        return impressions;
    }

    public long impressionChecksum() {
        return impressionChecksum;
    }

    public long clicks() {
        return clicks;
    }

    public long clickChecksum() {
        return clickChecksum;
    }

    public long conversions() {
        return conversions;
    }

    public long conversionChecksum() {
        return conversionChecksum;
    }

    public boolean complete() {
        return complete;
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(VERSION);
        out.writeLong(rows);
        out.writeLong(impressions);
        out.writeLong(impressionChecksum);
        out.writeLong(clicks);
        out.writeLong(clickChecksum);
        out.writeLong(conversions);
        out.writeLong(conversionChecksum);
        out.writeBoolean(complete);
    }

    void read(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("training operator state: unknown sample audit version " + version
                    + " (this build reads " + VERSION + ")");
        }
        rows = in.readLong();
        impressions = in.readLong();
        impressionChecksum = in.readLong();
        clicks = in.readLong();
        clickChecksum = in.readLong();
        conversions = in.readLong();
        conversionChecksum = in.readLong();
        complete = in.readBoolean();
    }

    /** The manifest object: counts as numbers, checksums as 16 lower-case hex digits. */
    public Map<String, Object> toInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("complete", complete);
        m.put("rows", rows);
        m.put("impressions", impressions);
        m.put("impression_checksum", hex(impressionChecksum));
        m.put("clicks", clicks);
        m.put("click_checksum", hex(clickChecksum));
        m.put("conversions", conversions);
        m.put("conversion_checksum", hex(conversionChecksum));
        return m;
    }

    /** {@code v} as 16 lower-case hex digits (the manifest's checksum form). */
    public static String hex(long v) {
        return String.format("%016x", v);
    }

    @Override
    public String toString() {
        return "SampleAudit" + toInfo();
    }
}
