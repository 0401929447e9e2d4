package io.counterflow.model.snapshot;

import java.io.IOException;

/** A snapshot or checkpoint that cannot be read: wrong format or version, shape, size or checksum. */
public final class SnapshotFormatException extends IOException {
    public SnapshotFormatException(String message) {
        super(message);
    }
}
