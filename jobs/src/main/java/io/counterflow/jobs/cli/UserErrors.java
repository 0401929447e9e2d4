package io.counterflow.jobs.cli;

import io.counterflow.model.io.MalformedFileException;
import io.counterflow.model.snapshot.SnapshotFormatException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The CLI's contract for bad input: one line {@code <command>: <reason>} on the command's error stream and exit
 * code 2 (picocli's code for invalid input), never a stack trace. Bad input is
 * <ul>
 *   <li>a {@link UserError}, thrown where a command checks its options and files ({@link CliInputs});
 *   <li>an {@link IllegalArgumentException}: a setting, the generator or a reader rejecting a value, naming it;
 *   <li>a picocli {@link ParameterException}: an unknown option, a missing or unparsable value;
 *   <li>an I/O failure that names the user's file: a {@link FileSystemException} (no such file, permission denied,
 *       not a directory), a {@link SnapshotFormatException} (not a model snapshot, or a damaged one), a {@link
 *       MalformedFileException} (an input file unreadable as a whole, e.g. a CSV header without label columns).
 * </ul>
 * Anything else (a {@code NullPointerException}, an {@code IllegalStateException} from the internals, an I/O
 * error without a file) is a bug or an environment failure and keeps its stack trace and exit code 1.
 */
final class UserErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private UserErrors() {}

    /** Installs the handlers on {@code cl} and its sub-commands, and one-line messages for unparsable durations. */
    static CommandLine install(CommandLine cl) {
        UserErrors handler = new UserErrors();
        cl.setExecutionExceptionHandler(handler);
        cl.setParameterExceptionHandler(handler);
        cl.registerConverter(Duration.class, UserErrors::duration);
        return cl;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) throws Exception {
        String reason = reason(ex);
        if (reason == null) {
            throw ex;
        }
        return print(cmd, reason);
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        StringBuilder reason = new StringBuilder(ex.getMessage());
        if (ex instanceof UnmatchedArgumentException) {
            List<String> suggestions = ((UnmatchedArgumentException) ex).getSuggestions();
            if (!suggestions.isEmpty()) {
                reason.append("; did you mean ").append(String.join(" or ", suggestions)).append('?');
            }
        }
        reason.append(" (see '").append(cmd.getCommandSpec().qualifiedName()).append(" --help')");
        return print(cmd, reason.toString());
    }

    /** The one-line reason when {@code ex} is bad input (see the class documentation), else null. */
    static String reason(Exception ex) {
        if (ex instanceof UserError || ex instanceof IllegalArgumentException || ex instanceof SnapshotFormatException
                || ex instanceof MalformedFileException) {
            return ex.getMessage() != null ? ex.getMessage() : ex.toString();
        }
        if (ex instanceof FileSystemException && ((FileSystemException) ex).getFile() != null) {
            return describe((FileSystemException) ex);
        }
        return null;
    }

    /** {@code file: what went wrong}, in words rather than the exception's class name. */
    static String describe(FileSystemException e) {
        String what;
        if (e instanceof NoSuchFileException) {
            what = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            what = "permission denied";
        } else if (e instanceof FileAlreadyExistsException) {
            what = "already exists";
        } else if (e instanceof NotDirectoryException) {
            what = "not a directory";
        } else if (e instanceof DirectoryNotEmptyException) {
            what = "directory not empty";
        } else {
            what = e.getReason() != null ? e.getReason() : "cannot be accessed";
        }
        if (e.getReason() != null && !what.equals(e.getReason())) {
            what += " (" + e.getReason() + ")";
        }
        return e.getFile() + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "") + ": " + what;
    }

    private static int print(CommandLine cmd, String reason) {
        // One line even when a message (a third-party one) spans several.
        cmd.getErr().println(cmd.getCommandName() + ": " + reason.strip().replaceAll("\\s*\\R\\s*", "; "));
        cmd.getErr().flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static Duration duration(String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not an ISO-8601 duration such as PT30S, PT5M, PT1H or P7D");
        }
    }
}
