package io.counterflow.jobs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/counterflow}: one sub-command per task. */
@Command(
        name = "counterflow",
        mixinStandardHelpOptions = true,
        version = "counterflow 0.1.0",
        description = "Streaming, selection-bias-free conversion-rate learning.",
        subcommands = {io.counterflow.jobs.stream.DemoCommand.class, io.counterflow.jobs.stream.StreamCommand.class,
            BrokerCommand.class, OfflineDemoCommand.class, BenchCommand.class, GenerateCommand.class, TrainCommand.class, FeedbackEvalCommand.class, ScoreCommand.class, EvaluateCommand.class, io.counterflow.jobs.serve.ServeCommand.class, GpuCheckCommand.class,
            CommandLine.HelpCommand.class})
public final class CounterflowCli implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with the project's handling of bad input (see {@link UserErrors}): one line, exit 2. */
    public static CommandLine commandLine() {
        return UserErrors.install(new CommandLine(new CounterflowCli()));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
