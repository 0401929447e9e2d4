/**
 * Offline learning on files: the training loop behind {@code counterflow train}, evaluation and scoring. The
 * streaming job reuses the same model core; this package only adds file reading, epochs and progress.
 */
package io.counterflow.jobs.offline;
