/**
 * Mini-batching of labeled samples for the trainer: {@link io.counterflow.operators.batch.MiniBatcher} turns a
 * stream of {@link io.counterflow.model.data.LabeledSample} into {@link io.counterflow.operators.batch.SampleBatch}
 * records of at most B samples, emitted when B samples are buffered, when a maximum delay in processing time has
 * passed since the first buffered sample, or at end of input. The buffer is checkpointed operator state, so a
 * restore loses nothing. Settings: {@link io.counterflow.operators.batch.MiniBatchSettings}.
 */
package io.counterflow.operators.batch;
