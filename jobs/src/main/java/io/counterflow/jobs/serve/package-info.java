/**
 * {@code counterflow serve}: an HTTP JSON server over a publication root (CONTRACT.md, "Serving"). {@link
 * io.counterflow.jobs.serve.ModelRoot} resolves a root or a version directory (for {@code score} and {@code
 * evaluate} too); {@link io.counterflow.jobs.serve.ModelServer} loads what {@code LATEST} names, validates each new
 * version beside the serving one and swaps one volatile reference to an immutable loaded model; {@link
 * io.counterflow.jobs.serve.ServeSettings} declares the settings; {@link io.counterflow.jobs.serve.ServeCommand}
 * is the command line.
 */
package io.counterflow.jobs.serve;
