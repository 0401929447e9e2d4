package io.counterflow.model.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opening files for the readers: {@code .gz} is decompressed transparently. */
final class Inputs {
    /** Longest line the readers keep; longer lines are bad input ({@code INVALID_JSON}). */
    static final int MAX_LINE_BYTES = 8 << 20;

    private Inputs() {}

    static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().endsWith(".gz")) {
            return new GZIPInputStream(in, 1 << 16);
        }
        return new BufferedInputStream(in, 1 << 16);
    }

    /** The file name without a trailing {@code .gz}. */
    static String baseName(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }
}
