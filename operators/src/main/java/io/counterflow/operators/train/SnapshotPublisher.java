package io.counterflow.operators.train;

import java.io.IOException;
import java.io.Serializable;

/**
 * Publishes the serving snapshots that {@link TrainingOperator} prepares: the second phase of its two-phase
 * export. Serializable: it is a constructor argument of the operator and travels with the job graph.
 *
 * <p>Lifecycle, on the operator's task thread: {@link #open} once per (re)start of the operator, then {@link
 * #publish} for each checkpoint that completed and had a prepared snapshot, in increasing checkpoint order, then
 * {@link #close}. Called only for checkpoints Flink reported complete, so a published model is always one that
 * a restore would reproduce; a publish can repeat after a failure (the same checkpoint may be reported complete
 * to a restored operator), so implementations must tolerate publishing a checkpoint id twice.
 *
 * <p>{@link #publish} must copy what it needs: the prepared directory is deleted once it returns (or throws).
 * Failures are logged and counted by the operator; they never stop training (the next checkpoint publishes a
 * newer model).
 */
public interface SnapshotPublisher extends Serializable {
    /** Called once before the first publish of this operator instance. */
    default void open() throws IOException {}

    /**
     * Makes the prepared snapshot visible to readers, completely or not at all.
     *
     * @return where it was published (a path or URI), for logs and metrics
     */
    String publish(PreparedSnapshot snapshot) throws IOException;

    /** Releases resources; called when the operator closes, also after failures. */
    default void close() throws IOException {}

    /** A publisher that discards every snapshot (training only). */
    static SnapshotPublisher discarding() {
        return new DiscardingPublisher();
    }
}
