package io.counterflow.operators.train;

/** {@link SnapshotPublisher#discarding()}. */
final class DiscardingPublisher implements SnapshotPublisher {
    private static final long serialVersionUID = 1L;

    @Override
    public String publish(PreparedSnapshot snapshot) {
        return "discarded";
    }
}
