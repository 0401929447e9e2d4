package io.counterflow.model.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads {@code \n}- or {@code \r\n}-terminated lines as bytes into one reused buffer, in constant memory: a
 * line longer than {@link #maxLineBytes} keeps only its first bytes and is flagged {@link #tooLong}. A UTF-8
 * byte-order mark at the start of the stream is dropped.
 */
final class LineSource implements Closeable {
    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[1 << 16];
    private int pos;
    private int end;
    private boolean eof;
    private boolean first = true;

    byte[] line = new byte[1024];
    int length;
    boolean tooLong;
    /** 1-based number of the line last read; 0 before the first. */
    long lineNumber;

    LineSource(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** Reads the next line into {@link #line}[0, {@link #length}); false at the end of input. */
    boolean next() throws IOException {
        length = 0;
        tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == end) {
                if (eof || !fill()) {
                    if (!any) {
                        return false;
                    }
                    break;
                }
            }
            any = true;
            int start = pos;
            int nl = -1;
            for (int i = pos; i < end; i++) {
                if (chunk[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int stop = nl < 0 ? end : nl;
            append(start, stop - start);
            pos = nl < 0 ? end : nl + 1;
            if (nl >= 0) {
                break;
            }
        }
        if (length > 0 && line[length - 1] == '\r' && !tooLong) {
            length--;
        }
        lineNumber++;
        if (first) {
            first = false;
            if (length >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) {
                System.arraycopy(line, 3, line, 0, length - 3);
                length -= 3;
            }
        }
        return true;
    }

    /** True when the line is empty or only blanks. */
    boolean blank() {
        for (int i = 0; i < length; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private void append(int from, int n) {
        int room = maxLineBytes - length;
        if (n > room) {
            tooLong = true;
            n = Math.max(room, 0);
        }
        if (length + n > line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, length + n)));
        }
        System.arraycopy(chunk, from, line, length, n);
        length += n;
    }

    private boolean fill() throws IOException {
        int n = in.read(chunk, 0, chunk.length);
        if (n <= 0) {
            eof = true;
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
