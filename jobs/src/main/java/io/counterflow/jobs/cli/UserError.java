package io.counterflow.jobs.cli;

/**
 * Bad input to a command, detected where the input is checked: an option value out of range, a file that is
 * missing or cannot be written, a backend this machine cannot run. The message says what is wrong and with which
 * value or path, in one line without the command name; {@link UserErrors} prints it as {@code <command>: <message>}
 * and exits 2, without a stack trace (the input is at fault, not the code). A cause, when there is one, is kept for
 * callers that embed the commands; the message must already carry what the user needs from it.
 */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A user error saying {@code message} (one line, naming the option or path and the offending value). */
    public UserError(String message) {
        super(message);
    }

    /** A user error saying {@code message}, found through {@code cause}. */
    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
