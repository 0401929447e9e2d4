package io.counterflow.model.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Opening files for the readers: {@code .gz} is decompressed transparently. */
final class Inputs {
    /** Longest line the readers keep; longer lines are bad input ({@code INVALID_JSON}). */
    static final int MAX_LINE_BYTES = 8 << 20;

    private Inputs() {}

    /**
     * Opens {@code file}; a {@code .gz} file that is not gzip, or is truncated or corrupt further on, fails with a
     * {@link MalformedFileException} naming it.
     */
    static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (!file.getFileName().toString().endsWith(".gz")) {
            return new BufferedInputStream(in, 1 << 16);
        }
        try {
            return new Gunzip(new GZIPInputStream(in, 1 << 16), file);
        } catch (ZipException | EOFException e) {
            in.close();
            throw Gunzip.malformed(file, e);
        }
    }

    /** The file name without a trailing {@code .gz}. */
    static String baseName(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }

    /** Decompression failures (ZipException, EOFException mid-stream) as a MalformedFileException naming the file. */
    private static final class Gunzip extends FilterInputStream {
        private final Path file;

        Gunzip(InputStream in, Path file) {
            super(in);
            this.file = file;
        }

        static MalformedFileException malformed(Path file, IOException e) {
            return new MalformedFileException(file + ": not a valid gzip file (" + e.getMessage() + ")", e);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (ZipException | EOFException e) {
                throw malformed(file, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (ZipException | EOFException e) {
                throw malformed(file, e);
            }
        }
    }
}
