/**
 * {@code bin/counterflow}: one picocli command per task ({@link io.counterflow.jobs.cli.CounterflowCli}, and
 * {@link io.counterflow.jobs.cli.GpuCli} for the GPU bundle), the options they share ({@link
 * io.counterflow.jobs.cli.ModelOptions}), and the handling of bad input: commands check their options and files
 * first ({@link io.counterflow.jobs.cli.CliInputs}) and throw a {@link io.counterflow.jobs.cli.UserError}, which
 * (like an {@code IllegalArgumentException} from a setting, a picocli usage error or a missing file) becomes one
 * line {@code <command>: <reason>} and exit code 2; everything else keeps its stack trace.
 */
package io.counterflow.jobs.cli;
