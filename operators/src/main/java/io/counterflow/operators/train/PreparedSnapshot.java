package io.counterflow.operators.train;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A serving snapshot written by {@link TrainingOperator} at {@code snapshotState(checkpointId)} into a local
 * staging directory ({@code ModelSnapshot} format: {@code manifest.json} plus tensor files), waiting for the
 * checkpoint to complete. Immutable.
 */
public final class PreparedSnapshot {
    private final long checkpointId;
    private final long step;
    private final long trainedSamples;
    private final Path directory;
    private final Map<String, Object> info;

    public PreparedSnapshot(long checkpointId, long step, long trainedSamples, Path directory,
            Map<String, Object> info) {
        this.checkpointId = checkpointId;
        this.step = step;
        this.trainedSamples = trainedSamples;
        this.directory = Objects.requireNonNull(directory, "directory");
        this.info = Collections.unmodifiableMap(new LinkedHashMap<>(info));
    }

    /** The checkpoint whose model this is. */
    public long checkpointId() {
        return checkpointId;
    }

    /** Optimiser updates applied to the model. */
    public long step() {
        return step;
    }

    /** Samples of the applied updates. */
    public long trainedSamples() {
        return trainedSamples;
    }

    /** The complete snapshot directory on the local file system; deleted after publishing. */
    public Path directory() {
        return directory;
    }

    /** What the manifest's {@code info} holds: counters and the running metrics at the checkpoint. */
    public Map<String, Object> info() {
        return info;
    }

    @Override
    public String toString() {
        return "PreparedSnapshot{checkpoint=" + checkpointId + ", step=" + step + ", trainedSamples="
                + trainedSamples + ", dir=" + directory + "}";
    }
}
