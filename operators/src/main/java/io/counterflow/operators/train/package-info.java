/**
 * Online training in the stream: {@link io.counterflow.operators.train.TrainingOperator} trains one
 * {@link io.counterflow.model.nn.CvrModel} at parallelism 1 on the mini-batches of labeled samples, keeps the
 * complete training state (parameters, optimiser moments, feature statistics, counters) in checkpointed operator
 * state so that a restore resumes exactly, and exports a serving snapshot per completed checkpoint in two phases
 * (prepared at the checkpoint, handed to a {@link io.counterflow.operators.train.SnapshotPublisher} when it
 * completes). Settings: {@link io.counterflow.operators.train.TrainingSettings}; per-batch output:
 * {@link io.counterflow.operators.train.TrainingProgress}.
 */
package io.counterflow.operators.train;
