package io.counterflow.model.golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reading (and, for the generator, writing) the golden files: where they are, the string escapes of the TSV
 * files, and SHA-256 digests. The TSV files are UTF-8, tab-separated, {@code #} starts a comment line, and every
 * string column is escaped so that the file is plain printable ASCII (an editor cannot re-encode or normalise
 * what is hashed): {@code \\}, {@code \t}, {@code \n}, {@code \r}, and {@code \}{@code uXXXX} (one UTF-16 code
 * unit, lower-case hex) for every other char outside printable ASCII.
 */
final class GoldenFiles {
    /** The golden folder inside the test resources. */
    static final String ROOT = "/golden";

    private GoldenFiles() {}

    /** The golden folder of the test classpath (a directory: these tests run from target/test-classes). */
    static Path root() {
        URL u = GoldenFiles.class.getResource(ROOT + "/README.md");
        if (u == null) {
            throw new IllegalStateException("golden/README.md is not on the test classpath");
        }
        try {
            return Path.of(u.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path resolve(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("golden file " + relative + " is missing (" + p + ")");
        }
        return p;
    }

    /** Escapes a string into printable ASCII (see the class comment). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\':
                    b.append("\\\\");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.toString();
    }

    /** Inverse of {@link #escape}; rejects anything escape would not produce. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("unescaped char U+" + String.format("%04X", (int) c) + " in '"
                        + s + "' (the golden files are printable ASCII)");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new IllegalArgumentException("dangling backslash in '" + s + "'");
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\\':
                    b.append('\\');
                    break;
                case 't':
                    b.append('\t');
                    break;
                case 'n':
                    b.append('\n');
                    break;
                case 'r':
                    b.append('\r');
                    break;
                case 'u':
                    if (i + 4 >= s.length()) {
                        throw new IllegalArgumentException("short \\u escape in '" + s + "'");
                    }
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                default:
                    throw new IllegalArgumentException("unknown escape \\" + e + " in '" + s + "'");
            }
        }
        return b.toString();
    }

    /** A data line of a TSV file: its 1-based line number and its columns (split on tabs, empty ones kept). */
    static final class Line {
        final int number;
        final String[] cols;

        Line(int number, String[] cols) {
            this.number = number;
            this.cols = cols;
        }
    }

    /** The non-comment, non-blank lines of a golden TSV file. */
    static List<Line> tsv(String relative) {
        List<String> raw;
        try {
            raw = Files.readAllLines(resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String l = raw.get(i);
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            lines.add(new Line(i + 1, l.split("\t", -1)));
        }
        return lines;
    }

    static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The list of the v1 golden files and their SHA-256 digests, in {@code sha256sum} format. */
    static final String V1_CHECKSUMS = "v1.sha256";

    /**
     * The v1 golden files under {@code dir}: every regular file whose first path component has "-v1" in its
     * name, as '/'-separated paths relative to {@code dir}, sorted. (README.md, .gitattributes and the checksum
     * list are not golden data; a later format's files live in folders of their own.)
     */
    static List<String> v1Files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(n -> n.split("/", 2)[0].contains("-v1")).sorted().collect(Collectors.toList());
        }
    }
}
