package io.counterflow.jobs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the GPU bundle ({@code bin/gpu-bundle}, {@code gpu-run}): the commands that need neither a Flink
 * runtime nor Kafka — train (direct engine), bench, gpu-check, generate, evaluate, score — so that the bundle can
 * leave Flink's runtime, the Kafka broker and their natives out and stay small enough to carry to a GPU machine.
 * Building the full {@link CounterflowCli} would load Flink and Kafka types while verifying the stream and demo
 * commands.
 */
@Command(
        name = "counterflow",
        mixinStandardHelpOptions = true,
        version = "counterflow 0.1.0 (GPU bundle)",
        description = "Conversion-rate learning: the GPU bundle's commands (no Flink runtime, no Kafka; "
                + "train runs with --engine direct).",
        subcommands = {TrainCommand.class, BenchCommand.class, GpuCheckCommand.class, GenerateCommand.class,
            EvaluateCommand.class, ScoreCommand.class, CommandLine.HelpCommand.class})
public final class GpuCli implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with the same handling of bad input as {@link CounterflowCli#commandLine()}. */
    public static CommandLine commandLine() {
        return UserErrors.install(new CommandLine(new GpuCli()));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
