/**
 * Publishing the trained model: {@link io.counterflow.connectors.snapshot.FileSystemSnapshotPublisher} turns the
 * serving snapshots that the training operator prepares per checkpoint into versioned directories on any Flink
 * file system, behind an atomically switched {@code LATEST} pointer, with retention and optional Kafka
 * announcements.
 */
package io.counterflow.connectors.snapshot;
