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
            BrokerCommand.class, OfflineDemoCommand.class, BenchCommand.class, GenerateCommand.class, TrainCommand.class, ScoreCommand.class, EvaluateCommand.class, GpuCheckCommand.class,
            CommandLine.HelpCommand.class})
public final class CounterflowCli implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with the project's exception handling: an {@link IllegalArgumentException} (an option value
     * that a setting or the generator rejects) prints one line naming the command and exits 2, like picocli's own
     * usage errors; anything else keeps its stack trace (it is a bug, not bad input).
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new CounterflowCli());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                cmd.getErr().println(cmd.getCommandName() + ": " + ex.getMessage());
                return cmd.getCommandSpec().exitCodeOnInvalidInput();
            }
            throw ex;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
