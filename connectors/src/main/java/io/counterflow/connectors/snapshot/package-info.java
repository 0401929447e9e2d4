/**
 * Publishing the trained model: {@link io.counterflow.connectors.snapshot.ModelVersionSink} (a Sink V2 with a
 * committer) turns the model versions the training operator emits per checkpoint into versioned directories of a
 * {@link io.counterflow.connectors.snapshot.PublicationRoot} on any Flink file system, behind an atomically switched
 * {@code LATEST} pointer, with retention and optional Kafka announcements, for completed checkpoints only.
 */
package io.counterflow.connectors.snapshot;
