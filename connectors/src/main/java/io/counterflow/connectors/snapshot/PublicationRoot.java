package io.counterflow.connectors.snapshot;

import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layout of a publication root on any Flink {@link FileSystem} (a local path, {@code file://}, {@code hdfs://},
 * {@code s3://} ... with the matching Flink file-system plugin): one directory per model version, {@code
 * v-<checkpoint>-<step>}, the pointer file {@code LATEST} (one line: the name of the version to serve), and
 * {@code .staging/}, where the version sink writes versions before their checkpoint completes.
 *
 * <h2>Readers never see a half-written version</h2>
 * A reader resolves {@code LATEST} ({@link #latest}) and loads the version it names. A version directory appears
 * complete (it is renamed from the staging area, or, on stores without directory renames, copied with {@code
 * manifest.json} last) before {@code LATEST} is switched to it, by writing {@code LATEST.tmp} and renaming it over
 * {@code LATEST}: atomic on local and POSIX file systems. On file systems whose rename cannot replace (HDFS), the
 * old pointer is deleted first, so a reader may briefly find no {@code LATEST} and must retry (object stores such
 * as S3 have atomic whole-object writes). A version directory without {@code manifest.json} is incomplete and is
 * never named by {@code LATEST}. Retention never deletes the version {@code LATEST} names.
 */
public final class PublicationRoot {
    /** Name of the pointer file. */
    public static final String LATEST = "LATEST";
    /** Directory of staged, not yet committed versions. */
    public static final String STAGING = ".staging";
    static final String LATEST_TMP = "LATEST.tmp";
    static final String MANIFEST = "manifest.json";
    static final Pattern VERSION = Pattern.compile("v-(\\d+)-(\\d+)");

    private PublicationRoot() {}

    static String versionName(long checkpointId, long step) {
        return "v-" + checkpointId + "-" + step;
    }

    /** The checkpoint id in a version's name, or -1 when {@code name} is not a version name. */
    static long checkpointOf(String name) {
        Matcher m = VERSION.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The step in a version's name, or -1 when {@code name} is not a version name. */
    static long stepOf(String name) {
        Matcher m = VERSION.matcher(name);
        return m.matches() ? Long.parseLong(m.group(2)) : -1;
    }

    /** The directory of the version {@code <base>/LATEST} names, or {@code null} when nothing is published. */
    public static Path latest(String basePath) throws IOException {
        Path base = new Path(basePath);
        FileSystem fs = base.getFileSystem();
        Path latest = new Path(base, LATEST);
        if (!fs.exists(latest)) {
            return null;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(latest), StandardCharsets.UTF_8))) {
            String name = r.readLine();
            if (name == null || !VERSION.matcher(name.trim()).matches()) {
                throw new IOException(latest + " does not name a model version: " + name);
            }
            return new Path(base, name.trim());
        }
    }

    static void switchLatest(FileSystem fs, Path base, String name) throws IOException {
        Path tmp = new Path(base, LATEST_TMP);
        Path latest = new Path(base, LATEST);
        try (FSDataOutputStream out = fs.create(tmp, FileSystem.WriteMode.OVERWRITE)) {
            out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
            out.sync();
        }
        URI uri = base.toUri();
        if (!fs.isDistributedFS() && (uri.getScheme() == null || uri.getScheme().equals("file"))) {
            java.nio.file.Path t = java.nio.file.Paths.get(new Path(base, LATEST_TMP).toUri().getPath());
            java.nio.file.Path l = java.nio.file.Paths.get(latest.toUri().getPath());
            try {
                Files.move(t, l, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return;
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(t, l, StandardCopyOption.REPLACE_EXISTING);
                return;
            }
        }
        if (!fs.rename(tmp, latest)) {
            // This file system cannot rename over an existing file: delete, then rename (readers retry).
            fs.delete(latest, false);
            if (!fs.rename(tmp, latest)) {
                throw new IOException("could not rename " + tmp + " to " + latest);
            }
        }
    }

    /** Deletes all but the newest {@code keep} versions (by checkpoint id, then step), never {@code current}. */
    static void retain(FileSystem fs, Path base, String current, int keep) throws IOException {
        FileStatus[] listing = fs.listStatus(base);
        if (listing == null) {
            return;
        }
        List<long[]> versions = new ArrayList<>();
        Map<String, Path> paths = new LinkedHashMap<>();
        for (FileStatus st : listing) {
            String n = st.getPath().getName();
            Matcher m = VERSION.matcher(n);
            if (st.isDir() && m.matches()) {
                versions.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
                paths.put(versionName(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))), st.getPath());
            }
        }
        versions.sort(Comparator.<long[]>comparingLong(v -> v[0]).thenComparingLong(v -> v[1]));
        for (int i = 0; i < versions.size() - keep; i++) {
            String n = versionName(versions.get(i)[0], versions.get(i)[1]);
            if (!n.equals(current)) {
                fs.delete(paths.get(n), true);
            }
        }
    }
}
