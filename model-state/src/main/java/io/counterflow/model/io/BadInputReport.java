package io.counterflow.model.io;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.DeadLetter;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Counts of what a reader accepted and skipped: per {@link BadInputReason}, how many records and the first
 * {@value #FIRST_LINES} offending 1-based line numbers, plus an optional callback that receives every
 * rejected record as a {@link DeadLetter}. One report may be shared by several readers of one run (their
 * counts add up). Not thread-safe.
 */
public final class BadInputReport {
    /** How many offending line numbers are kept per reason. */
    public static final int FIRST_LINES = 5;

    private static final BadInputReason[] REASONS = BadInputReason.values();

    private final long[] counts = new long[REASONS.length];
    private final long[][] firstLines = new long[REASONS.length][FIRST_LINES];
    private final Consumer<DeadLetter> deadLetters;
    private long valid;

    /** A report that only counts. */
    public BadInputReport() {
        this(null);
    }

    /** A report that counts and hands each rejected record to {@code deadLetters} (may be null). */
    public BadInputReport(Consumer<DeadLetter> deadLetters) {
        this.deadLetters = deadLetters;
    }

    /** Records one accepted record. */
    public void recordValid() {
        valid++;
    }

    /**
     * Records one rejected record: {@code line} is its 1-based line number; {@code original} its bytes
     * {@code [off, off + len)}, copied only when a dead-letter callback is set.
     */
    public void recordBad(String source, long line, BadInputException e, byte[] original, int off, int len) {
        int r = e.reason().ordinal();
        if (counts[r] < FIRST_LINES) {
            firstLines[r][(int) counts[r]] = line;
        }
        counts[r]++;
        if (deadLetters != null) {
            byte[] copy = original == null ? new byte[0] : Arrays.copyOfRange(original, off, off + len);
            deadLetters.accept(new DeadLetter(source, -1, line, e.reason(), e.detail(), copy));
        }
    }

    /** Number of accepted records. */
    public long valid() {
        return valid;
    }

    /** Number of rejected records, all reasons together. */
    public long bad() {
        long sum = 0;
        for (long c : counts) {
            sum += c;
        }
        return sum;
    }

    /** Number of records rejected for {@code reason}. */
    public long count(BadInputReason reason) {
        return counts[reason.ordinal()];
    }

    /** The first (up to {@value #FIRST_LINES}) 1-based line numbers rejected for {@code reason}. */
    public long[] firstLines(BadInputReason reason) {
        int r = reason.ordinal();
        return Arrays.copyOf(firstLines[r], (int) Math.min(counts[r], FIRST_LINES));
    }

    /**
     * A one-line summary, e.g. {@code 2 bad lines skipped: INVALID_JSON=1 (lines 3), LABEL_OUT_OF_RANGE=1
     * (lines 7)}; reasons in enum order, {@code ...} after the line list when more lines were rejected.
     */
    public String summary() {
        long bad = bad();
        StringBuilder sb = new StringBuilder();
        sb.append(bad).append(bad == 1 ? " bad line skipped" : " bad lines skipped");
        String sep = ": ";
        for (BadInputReason reason : REASONS) {
            long c = counts[reason.ordinal()];
            if (c == 0) {
                continue;
            }
            sb.append(sep).append(reason).append('=').append(c).append(" (lines ");
            long[] lines = firstLines(reason);
            for (int i = 0; i < lines.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(lines[i]);
            }
            if (c > lines.length) {
                sb.append(", ...");
            }
            sb.append(')');
            sep = ", ";
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "BadInputReport{valid=" + valid + ", " + summary() + "}";
    }
}
