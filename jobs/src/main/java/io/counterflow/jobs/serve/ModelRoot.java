package io.counterflow.jobs.serve;

import io.counterflow.connectors.snapshot.FileSystemSnapshotPublisher;
import io.counterflow.jobs.cli.UserError;
import io.counterflow.model.snapshot.ModelSnapshot;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * A publication root (CONTRACT.md, "Model versions"): one directory {@code v-<checkpoint>-<step>} per version and
 * the pointer file {@code LATEST} naming the newest complete one, on any Flink {@link FileSystem} (a local path,
 * {@code file://}, {@code hdfs://}, {@code s3://} with the matching plugin). The one place where commands turn
 * "a version directory or a root" into the directory they load ({@link #resolve}), and where {@code serve} reads
 * the pointer and fetches versions ({@link #latest}, {@link #localCopy}).
 */
public final class ModelRoot {
    /** The pointer file's name. */
    public static final String LATEST = FileSystemSnapshotPublisher.LATEST;
    /** A version directory's name; nothing else is ever loaded from a root. */
    public static final Pattern VERSION = Pattern.compile("v-(\\d+)-(\\d+)");

    private final String uri;
    private final Path base;

    private ModelRoot(String uri) {
        this.uri = uri;
        this.base = new Path(uri);
    }

    /**
     * The root at {@code location}: a plain path (made absolute) or a Flink file-system URI. Nothing is read yet.
     */
    public static ModelRoot at(String location) {
        URI u = URI.create(location.replace(" ", "%20"));
        boolean local = u.getScheme() == null || u.getScheme().length() == 1; // a Windows drive letter is local
        return new ModelRoot(local ? Paths.get(location).toAbsolutePath().normalize().toString() : location);
    }

    /** Where the root is, as given (absolute for local paths). */
    public String location() {
        return uri;
    }

    /** Whether {@code name} has the shape of a version directory name. */
    public static boolean isVersionName(String name) {
        return name != null && VERSION.matcher(name).matches();
    }

    /**
     * The version {@code LATEST} names, or empty when there is no {@code LATEST} (nothing published yet, or a
     * file system whose rename cannot replace, between the publisher's delete and rename: retry).
     *
     * @throws IOException when {@code LATEST} cannot be read or does not hold a version name
     */
    public Optional<String> latest() throws IOException {
        Path latest = new Path(base, LATEST);
        FileSystem fs = base.getFileSystem();
        String line;
        try (InputStream in = fs.open(latest);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            line = r.readLine();
        } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
        String name = line == null ? "" : line.trim();
        if (!isVersionName(name)) {
            throw new IOException(latest + " does not name a model version (v-<checkpoint>-<step>): '"
                    + (name.length() > 64 ? name.substring(0, 64) + "..." : name) + "'");
        }
        return Optional.of(name);
    }

    /** Whether the root itself exists as a directory. */
    public boolean exists() throws IOException {
        FileSystem fs = base.getFileSystem();
        return fs.exists(base) && fs.getFileStatus(base).isDir();
    }

    /** Whether {@code name} is a version of this root with its manifest (a complete version). */
    public boolean hasVersion(String name) throws IOException {
        return isVersionName(name) && base.getFileSystem().exists(new Path(new Path(base, name), ModelSnapshot.MANIFEST));
    }

    /** The version directories present, complete or not, oldest first (by checkpoint id, then step). */
    public List<String> versions() throws IOException {
        FileStatus[] listing = base.getFileSystem().listStatus(base);
        List<String> names = new ArrayList<>();
        if (listing != null) {
            for (FileStatus st : listing) {
                if (st.isDir() && isVersionName(st.getPath().getName())) {
                    names.add(st.getPath().getName());
                }
            }
        }
        names.sort(Comparator.<String>comparingLong(n -> number(n, 1)).thenComparingLong(n -> number(n, 2)));
        return names;
    }

    private static long number(String name, int group) {
        Matcher m = VERSION.matcher(name);
        return m.matches() ? Long.parseLong(m.group(group)) : -1;
    }

    /** Whether the root is on the local file system, so that versions load in place. */
    public boolean isLocal() throws IOException {
        return !base.getFileSystem().isDistributedFS() && (base.toUri().getScheme() == null
                || base.toUri().getScheme().equals("file"));
    }

    /**
     * A local directory holding version {@code name}: the version itself on a local root; otherwise a copy under
     * {@code cache} (deleted by the caller when no longer needed).
     */
    public java.nio.file.Path localCopy(String name, java.nio.file.Path cache) throws IOException {
        if (!isVersionName(name)) {
            throw new IllegalArgumentException("not a version name: " + name);
        }
        Path version = new Path(base, name);
        if (isLocal()) {
            return Paths.get(version.toUri().getPath());
        }
        java.nio.file.Path dst = Files.createTempDirectory(Files.createDirectories(cache), name + "-");
        copy(base.getFileSystem(), version, dst);
        return dst;
    }

    private static void copy(FileSystem fs, Path src, java.nio.file.Path dst) throws IOException {
        FileStatus[] listing = fs.listStatus(src);
        if (listing == null) {
            throw new FileNotFoundException(src + ": no such directory");
        }
        Files.createDirectories(dst);
        for (FileStatus st : listing) {
            java.nio.file.Path target = dst.resolve(st.getPath().getName());
            if (st.isDir()) {
                copy(fs, st.getPath(), target);
            } else {
                try (InputStream in = fs.open(st.getPath()); OutputStream out = Files.newOutputStream(target)) {
                    in.transferTo(out);
                }
            }
        }
    }

    @Override
    public String toString() {
        return uri;
    }

    /** A model directory a command loads, and how it was found. */
    public static final class Resolved {
        /** The version directory (holding manifest.json). */
        public final java.nio.file.Path directory;
        /** The version's name: the directory's name. */
        public final String version;
        /** The root whose {@code LATEST} named it, or null when a version directory was given. */
        public final java.nio.file.Path root;

        Resolved(java.nio.file.Path directory, java.nio.file.Path root) {
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
    public static Resolved resolve(String option, java.nio.file.Path dir) {
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
        ModelRoot root = at(dir.toString());
        Optional<String> latest;
        List<String> versions;
        try {
            latest = root.latest();
            versions = root.versions();
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
        java.nio.file.Path version = dir.resolve(latest.get());
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
