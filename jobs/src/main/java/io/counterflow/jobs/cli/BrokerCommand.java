package io.counterflow.jobs.cli;

import io.counterflow.connectors.kafka.EmbeddedKafkaBroker;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * counterflow broker: a single-node Kafka broker (KRaft, in-process, 127.0.0.1, a free port) for trying
 * {@code counterflow stream} and kcat on one machine. Runs until interrupted.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Start a local single-node Kafka broker (KRaft on 127.0.0.1) with the Counterflow topics and "
                + "print its bootstrap address; Ctrl-C stops it.")
public final class BrokerCommand implements Callable<Integer> {
    /** Kafka's rule for topic names (its {@code Topic.validate}, which is not public API). */
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    @Option(names = "--topics", split = ",", defaultValue = "impressions,clicks,conversions,counterflow-dead-letters,model-updates",
            description = "Topics to create (default ${DEFAULT-VALUE}).")
    String[] topics;

    @Option(names = "--partitions", description = "Partitions per topic (default: this machine's cores, the"
            + " parallelism of an in-process stream: a source subtask without a partition would hold the"
            + " watermark back for the idleness timeout).")
    Integer partitions;

    @Override
    public Integer call() throws Exception {
        for (String t : topics) {
            if (!LEGAL_TOPIC.matcher(t).matches() || t.equals(".") || t.equals("..")) {
                throw new UserError("--topics: '" + t + "' is not a legal Kafka topic name (1-249 of a-z, A-Z, "
                        + "0-9, '.', '_', '-')");
            }
        }
        int n = partitions != null ? partitions : Runtime.getRuntime().availableProcessors();
        CliInputs.atLeast("--partitions", n, 1);
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        broker.createTopics(n, topics);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } catch (Exception e) {
                System.err.println("broker: close failed: " + e);
            }
            stop.countDown();
        }));
        System.out.println("bootstrap servers: " + broker.bootstrapServers());
        System.out.println("topics: " + String.join(", ", topics) + " (" + n + " partitions each)");
        System.out.flush();
        stop.await();
        return 0;
    }
}
