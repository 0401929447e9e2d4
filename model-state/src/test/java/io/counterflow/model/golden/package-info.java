/**
 * Golden files of the persisted formats (test resources under {@code golden/}): pinned feature hashes and table
 * rows, and version-1 model snapshots and a checkpoint with the predictions they must keep producing. The tests
 * here use only the public loading and scoring API ({@code ModelSnapshot}, {@code CvrScorer}, {@code
 * Backends}, {@code FeatureHash}, {@code FeatureSpace}, {@code BatchEncoder}), so that a refactoring of the
 * model's internals cannot quietly adapt them: a golden that stops loading or scoring the same is a broken
 * format, never a test to regenerate. {@link io.counterflow.model.golden.GoldenV1Generator} records how the v1
 * files were made (provenance only; see {@code golden/README.md}).
 */
package io.counterflow.model.golden;
