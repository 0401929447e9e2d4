/**
 * Online training in the stream: {@link io.counterflow.operators.train.BatchEncodingOperator}, chained to the
 * batcher, owns the feature space and encodes every batch (hashing, numeric statistics, the rows' columns), so
 * that {@link io.counterflow.operators.train.TrainingOperator}, in its own task, only trains; it trains one
 * {@link io.counterflow.model.nn.CvrModel} at parallelism 1 on the mini-batches of labeled samples, keeps the
 * complete training state (parameters, optimiser moments, feature statistics, counters, the sample audit) in
 * checkpointed operator state so that a restore resumes exactly, and emits the model as of each checkpoint as a
 * {@link io.counterflow.model.snapshot.ModelVersion} on a side output, for a version sink that publishes it when
 * the checkpoint completes. Settings: {@link io.counterflow.operators.train.TrainingSettings}; per-batch output:
 * {@link io.counterflow.operators.train.TrainingProgress}.
 */
package io.counterflow.operators.train;
