package io.counterflow.jobs.serve;

import io.counterflow.model.snapshot.ModelSnapshot;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The serving side of a publication root ({@link ModelRoot}; the layout is connectors' {@code PublicationRoot}) on any Flink {@link FileSystem}: a local path, {@code file://}, {@code
 * hdfs://}, {@code s3://} with the matching plugin. {@code serve} reads its pointer ({@link #latest}) and fetches
 * versions ({@link #localCopy}): in place on a local root, else copied to a local directory first.
 */
final class ServedRoot {
    private final String uri;
    private final Path base;

    private ServedRoot(String uri) {
        this.uri = uri;
        this.base = new Path(uri);
    }

    /**
     * The root at {@code location}: a plain path (made absolute) or a Flink file-system URI. Nothing is read yet.
     */
    public static ServedRoot at(String location) {
        URI u = URI.create(location.replace(" ", "%20"));
        boolean local = u.getScheme() == null || u.getScheme().length() == 1; // a Windows drive letter is local
        return new ServedRoot(local ? Paths.get(location).toAbsolutePath().normalize().toString() : location);
    }

    /** Where the root is, as given (absolute for local paths). */
    public String location() {
        return uri;
    }

    /**
     * The version {@code LATEST} names, or empty when there is no {@code LATEST} (nothing published yet, or a
     * file system whose rename cannot replace, between the publisher's delete and rename: retry).
     *
     * @throws IOException when {@code LATEST} cannot be read or does not hold a version name
     */
    Optional<String> latest() throws IOException {
        Path latest = new Path(base, ModelRoot.LATEST);
        FileSystem fs = base.getFileSystem();
        String line;
        try (InputStream in = fs.open(latest);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            line = r.readLine();
        } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(ModelRoot.versionIn(line, latest.toString()));
    }

    /** Whether the root itself exists as a directory. */
    public boolean exists() throws IOException {
        FileSystem fs = base.getFileSystem();
        return fs.exists(base) && fs.getFileStatus(base).isDir();
    }

    /** Whether {@code name} is a version of this root with its manifest (a complete version). */
    public boolean hasVersion(String name) throws IOException {
        return ModelRoot.isVersionName(name) && base.getFileSystem().exists(new Path(new Path(base, name), ModelSnapshot.MANIFEST));
    }

    /** The version directories present, complete or not, oldest first (by checkpoint id, then step). */
    public List<String> versions() throws IOException {
        FileStatus[] listing = base.getFileSystem().listStatus(base);
        return ModelRoot.sortedVersions(listing == null ? java.util.stream.Stream.empty()
                : Arrays.stream(listing).filter(FileStatus::isDir).map(st -> st.getPath().getName()));
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
        if (!ModelRoot.isVersionName(name)) {
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
}
