package io.counterflow.jobs.serve;

import io.counterflow.jobs.cli.UserError;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A publication root (CONTRACT.md, "Model versions"): one directory {@code v-<checkpoint>-<step>} per version and
 * the pointer file {@code LATEST} naming the newest complete one. The one place where commands turn "a version
 * directory or a root" into the directory they load ({@link #resolve}; local paths, no Flink classes, so the GPU
 * bundle's {@code score} and {@code evaluate} use it too) and where the pointer's content is checked ({@link
 * #versionIn}); {@code serve} reads roots on any Flink file system through {@link ServedRoot}.
 */
public final class ModelRoot {
    /** The pointer file's name ({@code PublicationRoot.LATEST} of connectors/snapshot, checked by a test). */
    public static final String LATEST = "LATEST";
    /** A version directory's name; nothing else is ever loaded from a root. */
    public static final Pattern VERSION = Pattern.compile("v-(\\d+)-(\\d+)");

    private ModelRoot() {}

    /** Whether {@code name} has the shape of a version directory name. */
    public static boolean isVersionName(String name) {
        return name != null && VERSION.matcher(name).matches();
    }

    /**
     * The version named by the first line of a {@code LATEST} file ({@code where}, for the message).
     *
     * @throws IOException when it is not a version name
     */
    static String versionIn(String firstLine, String where) throws IOException {
        String name = firstLine == null ? "" : firstLine.trim();
        if (!isVersionName(name)) {
            throw new IOException(where + " does not name a model version (v-<checkpoint>-<step>): '"
                    + (name.length() > 64 ? name.substring(0, 64) + "..." : name) + "'");
        }
        return name;
    }

    /** The version directory names among {@code names}, oldest first (by checkpoint id, then step). */
    static List<String> sortedVersions(Stream<String> names) {
        List<String> l = new ArrayList<>();
        names.filter(ModelRoot::isVersionName).forEach(l::add);
        l.sort(Comparator.<String>comparingLong(n -> number(n, 1)).thenComparingLong(n -> number(n, 2)));
        return l;
    }

    private static long number(String name, int group) {
        Matcher m = VERSION.matcher(name);
        return m.matches() ? Long.parseLong(m.group(group)) : -1;
    }

    /** A model directory a command loads, and how it was found. */
    public static final class Resolved {
        /** The version directory (holding manifest.json). */
        public final Path directory;
        /** The version's name: the directory's name. */
        public final String version;
        /** The root whose {@code LATEST} named it, or null when a version directory was given. */
        public final Path root;

        Resolved(Path directory, Path root) {
            this.directory = directory;
            this.version = directory.getFileName() == null ? directory.toString() : directory.getFileName().toString();
            this.root = root;
        }

        /** E.g. {@code model v-12-3400 (LATEST of /tmp/models)}, or {@code model /m/best (a version directory)}. */
        public String describe() {
            return root != null ? "model " + version + " (" + LATEST + " of " + root + ")"
                    : "model " + directory + " (a version directory)";
        }
    }

    /**
     * What a command given {@code option dir} loads: {@code dir} itself when it holds {@code manifest.json} (a version
     * directory), else the version the root's {@code LATEST} names. A path that is missing or a file, a root with
     * versions but no {@code LATEST}, or a {@code LATEST} naming a missing or incomplete directory is a {@link
     * UserError} naming the option and the path. A directory with neither a manifest nor a {@code LATEST} nor any
     * version is returned as is, and loading it says that it is not a snapshot.
     */
    public static Resolved resolve(String option, Path dir) {
        if (!Files.exists(dir)) {
            throw new UserError(option + " " + dir + ": no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError(option + " " + dir + ": is a file, expected a model version directory or a "
                    + "publication root");
        }
        if (Files.exists(dir.resolve(ModelSnapshot.MANIFEST))) {
            return new Resolved(dir, null);
        }
        Optional<String> latest = Optional.empty();
        List<String> versions;
        Path pointer = dir.resolve(LATEST);
        try {
            if (Files.exists(pointer)) {
                List<String> lines = Files.readAllLines(pointer, StandardCharsets.UTF_8);
                latest = Optional.of(versionIn(lines.isEmpty() ? null : lines.get(0), pointer.toString()));
            }
            try (Stream<Path> list = Files.list(dir)) {
                versions = sortedVersions(list.filter(Files::isDirectory).map(p -> p.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new UserError(option + " " + dir + ": " + e.getMessage(), e);
        }
        if (latest.isEmpty()) {
            if (versions.isEmpty()) {
                return new Resolved(dir, null);
            }
            throw new UserError(option + " " + dir + ": a publication root without " + LATEST + " (versions "
                    + String.join(", ", versions) + " but none published as " + LATEST + "); pass a version directory");
        }
        Path version = dir.resolve(latest.get());
        if (!Files.isDirectory(version)) {
            throw new UserError(option + " " + dir + ": " + LATEST + " names " + latest.get()
                    + ", which does not exist");
        }
        if (!Files.exists(version.resolve(ModelSnapshot.MANIFEST))) {
            throw new UserError(option + " " + dir + ": " + LATEST + " names " + latest.get()
                    + ", which has no " + ModelSnapshot.MANIFEST + " (incomplete)");
        }
        return new Resolved(version, dir);
    }
}
