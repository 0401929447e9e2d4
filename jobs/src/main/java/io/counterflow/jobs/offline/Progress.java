package io.counterflow.jobs.offline;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress output: a live, rewritten line on a terminal; plain periodic lines (every 5 s) otherwise, so logs
 * stay readable.
 */
public final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private final long intervalNanos;
    private long last;
    private boolean dirty;

    public Progress(PrintStream out) {
        this.out = out;
        this.terminal = System.console() != null && System.getenv("COUNTERFLOW_PLAIN") == null;
        this.intervalNanos = terminal ? 200_000_000L : 5_000_000_000L;
        this.last = System.nanoTime();
    }

    /** Shows the line if it is time (or always when forced). */
    public void update(String line, boolean force) {
        long now = System.nanoTime();
        if (!force && now - last < intervalNanos) {
            return;
        }
        last = now;
        if (terminal) {
            out.print("\r\033[2K" + line);
            dirty = true;
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends a live line before other output. */
    public void done() {
        if (terminal && dirty) {
            out.println();
            dirty = false;
        }
    }

    public static String rate(double perSecond) {
        return perSecond >= 1e6 ? String.format(Locale.ROOT, "%.2fM", perSecond / 1e6)
                : String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
    }
}
