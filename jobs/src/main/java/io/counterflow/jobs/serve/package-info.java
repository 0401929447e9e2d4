/**
 * {@code counterflow serve}: an HTTP JSON server over a publication root (CONTRACT.md, "Serving"; docs/serving.md).
 * {@link io.counterflow.jobs.serve.ModelRoot} resolves a root or a version directory (for {@code score} and {@code
 * evaluate} too; local, no Flink classes); {@code ServedRoot} reads a root on any Flink file system; {@link
 * io.counterflow.jobs.serve.ModelServer} loads what {@code LATEST} names, validates each new version beside the
 * serving one ({@code LoadedModel}: one scorer per request thread) and swaps one volatile reference to it; {@code
 * ScoreRequest} parses request bodies; {@code Announcements} follows the model-updates topic; {@code ServeMetrics}
 * renders Prometheus text; {@link io.counterflow.jobs.serve.ServeSettings} declares the settings; {@link
 * io.counterflow.jobs.serve.ServeCommand} is the command line.
 */
package io.counterflow.jobs.serve;
