/**
 * Mini-batching of labeled samples for the trainer: {@link io.counterflow.operators.batch.MiniBatcher} turns a
 * stream of {@link io.counterflow.model.data.LabeledSample} into {@link io.counterflow.operators.batch.SampleBatch}
 * records of at most B samples, emitted when B samples are buffered (or, with a mixing buffer of M samples, when M
 * are buffered: then each batch is drawn uniformly at random from the buffer, so bursts of one label kind are
 * spread over later batches), when a maximum delay in processing time has passed, or at end of input. The buffer
 * and the draws' random state are checkpointed operator state, so a restore loses nothing and draws the same
 * batches. A batch holds samples or, after the trainer's encoder, their encoding; {@link
 * io.counterflow.operators.batch.SampleBatchSerializer} writes both (never Kryo). Settings: {@link io.counterflow.operators.batch.MiniBatchSettings}; the design and its measurements:
 * docs/batching.md.
 */
package io.counterflow.operators.batch;
