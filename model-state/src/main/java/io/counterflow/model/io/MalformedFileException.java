package io.counterflow.model.io;

import java.io.IOException;

/**
 * An input file that cannot be read at all because of its content as a whole: an empty or malformed CSV header, a
 * header without the label columns, a {@code .gz} file that is not (or no longer) gzip. Unlike a bad record, which
 * is counted and skipped ({@link BadInputException}), it stops the read. The message names the file and the fault.
 */
public final class MalformedFileException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A malformed file; {@code message} names the file and what is wrong with it. */
    public MalformedFileException(String message) {
        super(message);
    }

    /** A malformed file, found through {@code cause} (e.g. the decompressor's error). */
    public MalformedFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
