package io.counterflow.model.feedback;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The conversion-delay distribution among converted clicks, learned online from what the trainer has seen,
 * and its survival S(c) = P(delay > c | converted within the attribution window W) at the policy's elapsed time
 * c. Delays are binned on a log scale between 1 s and W, with c as a bin edge.
 *
 * <p>Right truncation: at trainer time T, a conversion with delay d is visible only if its click is at least
 * max(d, c) old, so long delays are under-represented early in a stream. The estimator corrects it exactly
 * for any click arrival process: the density of bin k is n_k / E_k, with n_k the conversions seen in the bin and
 * E_k = C(T − max(d_k, c)) the clicks old enough to have shown them (C: clicks by click time, kept in a ring of
 * W/{@value #RING} buckets). It needs no final labels and is usable from the first conversions on; until {@link
 * #MIN_CONVERSIONS} have been seen it reports {@link #ready()} false.
 *
 * <p>Persisted with {@link #write}/{@link #read} (versioned). Not thread-safe; allocation-free after construction.
 */
public final class DelayModel {
    /** Conversions needed before S(c) is used. */
    public static final int MIN_CONVERSIONS = 50;
    static final int BINS = 48;
    static final int RING = 512;
    private static final int FORMAT_VERSION = 1;

    private final long windowMs;
    private final long elapsedMs;
    /** Lower edges of the delay bins (ms); edges[0] = 0. */
    private final long[] edges = new long[BINS];
    /** Index of the first bin whose lower edge is ≥ c. */
    private final int firstAfterElapsed;
    private final double[] conversions = new double[BINS];
    private final long bucketMs;
    private final long[] ring = new long[RING];
    /** Bucket index (click time / bucketMs) of ring slot 0's current occupant window start. */
    private long ringBase;
    private long clicksBeforeRing;
    private long clicks;
    private long seenConversions;
    private long now = Long.MIN_VALUE;
    private boolean started;

    public DelayModel(long windowMs, long elapsedMs) {
        if (windowMs <= 0 || elapsedMs < 0 || elapsedMs > windowMs) {
            throw new IllegalArgumentException("delay model needs 0 <= elapsed (" + elapsedMs + ") <= window ("
                    + windowMs + "), window > 0");
        }
        this.windowMs = windowMs;
        this.elapsedMs = elapsedMs;
        this.bucketMs = Math.max(1, (windowMs + elapsedMs) / (RING - 2));
        double lo = Math.log(1000);
        double hi = Math.log(Math.max(windowMs, 2000));
        long[] raw = new long[BINS - 1];
        for (int k = 0; k < raw.length; k++) {
            raw[k] = Math.round(Math.exp(lo + (hi - lo) * k / (raw.length - 1)));
        }
        // edges: 0, then the log grid with c inserted (replacing the grid point nearest to it).
        long[] grid = new long[BINS];
        grid[0] = 0;
        System.arraycopy(raw, 0, grid, 1, raw.length);
        if (elapsedMs > 0) {
            int nearest = 1;
            for (int k = 1; k < BINS; k++) {
                if (Math.abs(grid[k] - elapsedMs) < Math.abs(grid[nearest] - elapsedMs)) {
                    nearest = k;
                }
            }
            grid[nearest] = elapsedMs;
            Arrays.sort(grid);
        }
        System.arraycopy(grid, 0, edges, 0, BINS);
        int f = BINS;
        for (int k = 0; k < BINS; k++) {
            if (edges[k] >= elapsedMs) {
                f = k;
                break;
            }
        }
        firstAfterElapsed = f;
    }

    /** A click at event time {@code clickTs} (once per clicked impression). */
    public void observeClick(long clickTs) {
        advance(clickTs + elapsedMs);
        long bucket = Math.floorDiv(clickTs, bucketMs);
        if (bucket < ringBase) {
            clicksBeforeRing++;
        } else {
            ring[(int) Math.floorMod(bucket, (long) RING)]++;
        }
        clicks++;
    }

    /** A conversion {@code delayMs} after its click, seen at event time {@code seenAt} (once per conversion). */
    public void observeConversion(long delayMs, long seenAt) {
        advance(seenAt);
        conversions[bin(Math.max(0, Math.min(delayMs, windowMs)))]++;
        seenConversions++;
    }

    private int bin(long d) {
        int k = Arrays.binarySearch(edges, d);
        return k >= 0 ? k : -k - 2;
    }

    /** Moves the trainer clock forward and rolls ring buckets older than the window into the running total. */
    private void advance(long t) {
        if (t <= now) {
            return;
        }
        now = t;
        long newBase = Math.floorDiv(t, bucketMs) - (RING - 2);
        if (!started) {
            started = true;
            ringBase = newBase;
            return;
        }
        if (newBase - ringBase >= RING) {
            // A jump past the whole ring: everything in it is old.
            for (int i = 0; i < RING; i++) {
                clicksBeforeRing += ring[i];
                ring[i] = 0;
            }
            ringBase = newBase;
        }
        while (ringBase < newBase) {
            int slot = (int) Math.floorMod(ringBase, (long) RING);
            clicksBeforeRing += ring[slot];
            ring[slot] = 0;
            ringBase++;
        }
    }

    /** Clicks with click time ≤ s. */
    private double clicksUpTo(long s) {
        long bucket = Math.floorDiv(s, bucketMs);
        double c = clicksBeforeRing;
        for (long b = ringBase; b <= bucket && b < ringBase + RING; b++) {
            c += ring[(int) Math.floorMod(b, (long) RING)];
        }
        return c;
    }

    /** Whether enough conversions were seen for {@link #survival()}. */
    public boolean ready() {
        return seenConversions >= MIN_CONVERSIONS;
    }

    /** S(c) = P(delay > c | converted within the window); 1 while not {@link #ready()} (every positive assumed late). */
    public double survival() {
        if (!ready()) {
            return 1;
        }
        double total = 0;
        double after = 0;
        for (int k = 0; k < BINS; k++) {
            if (conversions[k] == 0) {
                continue;
            }
            double exposure = clicksUpTo(now - Math.max(edges[k], elapsedMs));
            if (exposure <= 0) {
                continue;
            }
            double f = conversions[k] / exposure;
            total += f;
            if (k >= firstAfterElapsed) {
                after += f;
            }
        }
        return total == 0 ? 1 : after / total;
    }

    /** Conversions observed so far. */
    public long conversions() {
        return seenConversions;
    }

    /** Clicks observed so far. */
    public long clicks() {
        return clicks;
    }

    public long elapsedMs() {
        return elapsedMs;
    }

    public long windowMs() {
        return windowMs;
    }

    /** Writes the state (versioned). */
    public void write(DataOutput out) throws IOException {
        out.writeInt(FORMAT_VERSION);
        out.writeLong(windowMs);
        out.writeLong(elapsedMs);
        for (double c : conversions) {
            out.writeDouble(c);
        }
        for (long r : ring) {
            out.writeLong(r);
        }
        out.writeLong(ringBase);
        out.writeLong(clicksBeforeRing);
        out.writeLong(clicks);
        out.writeLong(seenConversions);
        out.writeLong(now);
        out.writeBoolean(started);
    }

    /** Reads a state written by {@link #write}; rejects other versions and other windows with a clear message. */
    public static DelayModel read(DataInput in, long windowMs, long elapsedMs) throws IOException {
        int v = in.readInt();
        if (v != FORMAT_VERSION) {
            throw new IOException("delay model state: unknown version " + v + " (this build reads " + FORMAT_VERSION
                    + ")");
        }
        long w = in.readLong();
        long c = in.readLong();
        DelayModel m = new DelayModel(w, c);
        for (int k = 0; k < BINS; k++) {
            m.conversions[k] = in.readDouble();
        }
        for (int i = 0; i < RING; i++) {
            m.ring[i] = in.readLong();
        }
        m.ringBase = in.readLong();
        m.clicksBeforeRing = in.readLong();
        m.clicks = in.readLong();
        m.seenConversions = in.readLong();
        m.now = in.readLong();
        m.started = in.readBoolean();
        if (w != windowMs || c != elapsedMs) {
            // The windows changed between runs: keep nothing learned under the old ones.
            return new DelayModel(windowMs, elapsedMs);
        }
        return m;
    }
}
