package io.counterflow.jobs.cli;

import io.counterflow.model.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks of the commands' options, made before any work starts (so that a bad output path does not surface after
 * an hour of training): each throws a {@link UserError} that names the option and the offending value or path,
 * e.g. {@code --samples data/x.jsonl: no such file}, and returns the value when it is fine.
 */
public final class CliInputs {
    private CliInputs() {}

    /** {@code file} exists, is a regular file (not a directory) and is readable. */
    public static Path inputFile(String option, Path file) {
        if (!Files.exists(file)) {
            throw new UserError(option + " " + file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new UserError(option + " " + file + ": is a directory, expected a file");
        }
        if (!Files.isReadable(file)) {
            throw new UserError(option + " " + file + ": not readable (permission denied)");
        }
        return file;
    }

    /** {@code dir} is an existing directory; whether it holds a snapshot, loading it says. */
    public static Path snapshotDirectory(String option, Path dir) {
        if (!Files.exists(dir)) {
            throw new UserError(option + " " + dir + ": no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError(option + " " + dir + ": is a file, expected a model snapshot directory");
        }
        return dir;
    }

    /** {@code file} can be created or overwritten: not a directory, in an existing, writable directory. */
    public static Path outputFile(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new UserError(option + " " + file + ": is a directory, expected a file");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            throw new UserError(option + " " + file + ": no such directory " + parent);
        }
        if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(parent)) {
            throw new UserError(option + " " + file + ": not writable (permission denied)");
        }
        return file;
    }

    /**
     * {@code dir} is a directory, or can be created: it is not a file, and its nearest existing ancestor is a
     * writable directory.
     */
    public static Path outputDirectory(String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError(option + " " + dir + ": exists and is not a directory");
        }
        Path existing = dir.toAbsolutePath();
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (!Files.isDirectory(existing)) {
            throw new UserError(option + " " + dir + ": cannot be created, " + existing + " is a file");
        }
        if (!Files.isWritable(existing)) {
            throw new UserError(option + " " + dir + ": not writable (permission denied on " + existing + ")");
        }
        return dir;
    }

    /** {@code value >= min}. */
    public static long atLeast(String option, long value, long min) {
        if (value < min) {
            throw new UserError(option + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    /**
     * A backend name that {@link Backends#create} knows and that can run here: {@code cuda} only where the CUDA
     * probe succeeds, so that a machine without a GPU gets the probe's reason in one line instead of a failure
     * deep in the first training step (or in a Flink task).
     */
    public static String backend(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!Arrays.asList(Backends.NAMES).contains(n)) {
            throw new UserError("unknown backend '" + name + "'; expected one of " + String.join(", ", Backends.NAMES));
        }
        if (n.equals("cuda")) {
            Optional<String> why = Backends.cudaUnavailableReason();
            if (why.isPresent()) {
                throw new UserError("backend cuda is not available on this machine (" + why.get()
                        + "); use --backend openblas or auto");
            }
        }
        return name;
    }
}
