/**
 * Persisted forms of the model. {@link io.counterflow.model.snapshot.ModelSnapshot}: the serving snapshot, a
 * directory with {@code manifest.json} (format version, objective, every setting, feature space, step count,
 * metrics, per-tensor shapes and CRC32 checksums) and one little-endian float32 file per parameter tensor.
 * {@link io.counterflow.model.snapshot.ModelCheckpoint}: the whole training state (optimiser state included)
 * as one versioned, checksummed byte stream, for Flink operator state. {@link
 * io.counterflow.model.snapshot.CvrScorer} scores with a loaded snapshot and needs no Flink runtime (it is a
 * flink-ml {@code ModelServable}). Readers check the format version first, then every shape against what the
 * settings imply and against the bytes actually present before allocating, then the checksums, and fail with a
 * message that says which file and what is wrong.
 */
package io.counterflow.model.snapshot;
