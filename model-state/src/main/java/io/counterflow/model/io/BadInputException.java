package io.counterflow.model.io;

import io.counterflow.model.data.BadInputReason;

/**
 * A record that breaks the contract, with the reason and a detail naming the field and the offending value.
 * It carries no stack trace (bad input is expected and counted, not debugged), so throwing one is cheap.
 */
public final class BadInputException extends Exception {
    private static final long serialVersionUID = 1L;

    private final BadInputReason reason;
    private final String detail;

    /** A bad-input failure for {@code reason}; {@code detail} names the field and the value. */
    public BadInputException(BadInputReason reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
        this.detail = detail;
    }

    /** Why the record was rejected. */
    public BadInputReason reason() {
        return reason;
    }

    /** Which field and which value (truncated), e.g. {@code click: 2}. */
    public String detail() {
        return detail;
    }
}
