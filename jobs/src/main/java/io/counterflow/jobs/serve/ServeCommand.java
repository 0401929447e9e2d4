package io.counterflow.jobs.serve;

import io.counterflow.jobs.cli.CliInputs;
import io.counterflow.jobs.cli.UserError;
import io.counterflow.model.snapshot.ModelSnapshot;

import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** counterflow serve: the HTTP scoring server over a publication root (docs/serving.md). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model versions of a publication root over HTTP JSON: POST /v1/score, GET /v1/model,"
                + " GET /healthz, GET /metrics, POST /v1/rollback, POST /v1/unpin. Follows LATEST; swaps in each new"
                + " version after validating it.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--models", required = true, description = "Publication root (local path or Flink file-system"
            + " URI) holding v-<checkpoint>-<step> versions and LATEST.")
    String models;

    @Option(names = "--port", required = true, description = "TCP port (0: a free one, printed at start).")
    int port;

    @Option(names = "--host", description = "Address to bind (default: " + ServeSettings.DEFAULT_HOST + ").")
    String host;

    @Option(names = "--poll", description = "How often LATEST is read, ISO-8601 (default: " + ServeSettings.DEFAULT_POLL
            + ").")
    Duration poll;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers of --model-updates-topic.")
    String bootstrapServers;

    @Option(names = "--model-updates-topic", description = "Announcement topic of the streaming job: each record"
            + " makes the server read LATEST at once.")
    String updatesTopic;

    @Option(names = "--threads", description = "Request threads, each with its own copy of the model (default: "
            + ServeSettings.DEFAULT_THREADS + ").")
    Integer threads;

    @Option(names = "--max-body-bytes", description = "Largest request body; larger get 413 (default: "
            + ServeSettings.DEFAULT_MAX_BODY_BYTES + ").")
    Integer maxBodyBytes;

    @Option(names = "--max-batch", description = "Most impressions per request; more get 413 (default: "
            + ServeSettings.DEFAULT_MAX_BATCH + ").")
    Integer maxBatch;

    @Option(names = "--backend", description = "openblas, java, cuda or auto (default: " + ServeSettings.DEFAULT_BACKEND
            + ").")
    String backend;

    @Option(names = "--pin", description = "Serve this version and ignore LATEST until POST /v1/unpin.")
    String pin;

    /** Counted down when the server is up (tests embed the command). */
    final CountDownLatch started = new CountDownLatch(1);
    volatile ModelServer server;

    @Override
    public Integer call() throws Exception {
        ServeSettings s = ServeSettings.from(configuration());
        CliInputs.backend(s.backend);
        ServedRoot root = ServedRoot.at(s.models);
        if (!root.exists()) {
            throw new UserError("--models " + models + ": no such directory");
        }
        if (root.isLocal() && java.nio.file.Files.exists(java.nio.file.Path.of(root.location(), ModelSnapshot.MANIFEST))) {
            throw new UserError("--models " + models + ": a model version directory; serve takes the publication root"
                    + " that holds the versions and LATEST (its parent)");
        }
        if (s.pin.isEmpty()) {
            try {
                root.latest();
            } catch (IOException e) {
                throw new UserError("--models " + models + ": " + e.getMessage(), e);
            }
        }
        ModelServer srv;
        try {
            srv = ModelServer.start(s);
        } catch (BindException e) {
            throw new UserError("--port " + s.port + ": cannot listen on " + s.host + ":" + s.port + " ("
                    + e.getMessage() + ")", e);
        }
        server = srv;
        Runtime.getRuntime().addShutdownHook(new Thread(srv::close, "serve-shutdown"));
        System.out.printf("serve: listening on http://%s:%d (models %s; %s)%n", s.host, srv.port(), root,
                srv.version() == null ? "no version published yet, waiting for LATEST"
                        : "serving " + srv.version() + (srv.pinned() != null ? ", pinned" : ""));
        System.out.flush();
        started.countDown();
        Thread.currentThread().join(); // until the process is stopped (or the thread interrupted)
        return 0;
    }

    private Configuration configuration() {
        Configuration c = ServeSettings.config(models, port);
        if (host != null) {
            c.set(ServeSettings.HOST.option(), host);
        }
        if (poll != null) {
            c.set(ServeSettings.POLL.option(), poll);
        }
        if (bootstrapServers != null) {
            c.set(ServeSettings.BOOTSTRAP_SERVERS.option(), bootstrapServers);
        }
        if (updatesTopic != null) {
            c.set(ServeSettings.UPDATES_TOPIC.option(), updatesTopic);
        }
        if (threads != null) {
            c.set(ServeSettings.THREADS.option(), threads);
        }
        if (maxBodyBytes != null) {
            c.set(ServeSettings.MAX_BODY_BYTES.option(), maxBodyBytes);
        }
        if (maxBatch != null) {
            c.set(ServeSettings.MAX_BATCH.option(), maxBatch);
        }
        if (backend != null) {
            c.set(ServeSettings.BACKEND.option(), backend);
        }
        if (pin != null) {
            c.set(ServeSettings.PIN.option(), pin);
        }
        return c;
    }
}
