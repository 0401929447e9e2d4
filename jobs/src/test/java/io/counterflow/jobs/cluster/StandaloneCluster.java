package io.counterflow.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.GlobalConfiguration;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Flink 1.20 standalone session cluster made of child JVMs, started the way Flink's own scripts start one
 * ({@code jobmanager.sh}, {@code taskmanager.sh}, {@code flink run}), but from the module jars in {@code
 * jobs/target/cluster-classpath.txt} instead of a binary distribution:
 *
 * <ul>
 *   <li>JobManager: {@code StandaloneSessionClusterEntrypoint --configDir DIR} with the JVM and dynamic parameters
 *       {@code BashJavaUtils GET_JM_RESOURCE_PARAMS} prints;
 *   <li>TaskManager: {@code TaskManagerRunner --configDir DIR} with those of {@code GET_TM_RESOURCE_PARAMS}
 *       (without them it fails with "taskmanager.cpu.cores ... is not set");
 *   <li>client: {@code CliFrontend run|stop ...} (what the {@code flink} command runs) with {@code FLINK_CONF_DIR}.
 * </ul>
 *
 * <p>The configuration directory is derived from the shipped {@code flink-conf/config.yaml}: free loopback ports
 * for RPC, REST and blobs, checkpoint and savepoint directories under the work directory, small memory sizes
 * (the suite runs on 2 cores next to other work), plus the caller's overrides. Each process writes its log and
 * its stdout/stderr to {@code <work>/log/} (kept for post-mortem). Every process has its own Prometheus port.
 * {@link #close()} kills whatever is still running; it runs also when a test fails.
 */
final class StandaloneCluster implements AutoCloseable {
    static final String JOB_MANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    static final String BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";
    static final String CLI = "org.apache.flink.client.cli.CliFrontend";
    private static final String EXEC_RESULT = "BASH_JAVA_UTILS_EXEC_RESULT:";
    /** Jars a Flink cluster needs for this job; checked to be on the classpath file. */
    private static final String[] REQUIRED_JARS = {
        "flink-runtime-", "flink-streaming-java-", "flink-clients-", "flink-runtime-web-", "flink-connector-files-",
        "flink-connector-base-", "flink-statebackend-rocksdb-", "flink-metrics-prometheus-", "log4j-core-",
        "log4j-slf4j-impl-", "javacpp-", "openblas-"
    };
    /** Jars that must come from the job jar, never from the cluster. */
    private static final String[] FORBIDDEN_JARS = {"counterflow-", "kafka-clients-", "kafka_", "flink-connector-kafka-"};
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private final Path work;
    private final Path confDir;
    private final Path logDir;
    private final String classpath;
    private final Configuration conf;
    private final String java;
    private final List<String> jvmOptions;
    private final int restPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<TaskManager> taskManagers = new ArrayList<>();
    private Process jobManager;
    private int jobManagerPrometheusPort;
    private int cliRuns;
    /** Kills the children if the test JVM exits without {@link #close()} (e.g. killed by a build timeout). */
    private final Thread killOnExit = new Thread(() -> {
        for (Process p : List.copyOf(processes)) {
            p.destroyForcibly();
        }
    }, "standalone-cluster-kill-on-exit");

    /** A running TaskManager process and its Prometheus port. */
    static final class TaskManager {
        final String name;
        final Process process;
        final int prometheusPort;

        TaskManager(String name, Process process, int prometheusPort) {
            this.name = name;
            this.process = process;
            this.prometheusPort = prometheusPort;
        }

        @Override
        public String toString() {
            return name + " (pid " + process.pid() + ", prometheus :" + prometheusPort + ")";
        }
    }

    /** The output and exit code of a finished client command. */
    static final class CliResult {
        final int exitCode;
        final String output;

        CliResult(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    private StandaloneCluster(Path work, Path shippedConfDir, Path classpathFile, Map<String, String> overrides)
            throws IOException {
        this.work = work;
        this.confDir = Files.createDirectories(work.resolve("conf"));
        this.logDir = Files.createDirectories(work.resolve("log"));
        this.classpath = checkedClasspath(classpathFile);
        this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.restPort = freePort();
        this.conf = GlobalConfiguration.loadConfiguration(shippedConfDir.toString());
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", String.valueOf(freePort()));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.host", "127.0.0.1");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", String.valueOf(restPort));
        c.put("blob.server.port", String.valueOf(freePort()));
        c.put("jobmanager.memory.process.size", "1g");
        c.put("taskmanager.memory.process.size", "2g");
        c.put("taskmanager.numberOfTaskSlots", "2");
        c.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        c.put("execution.checkpointing.savepoint-dir", work.resolve("savepoints").toUri().toString());
        c.put("io.tmp.dirs", Files.createDirectories(work.resolve("tmp")).toString());
        c.put("web.tmpdir", work.resolve("tmp").resolve("web").toString());
        c.putAll(overrides);
        for (Map.Entry<String, String> e : c.entrySet()) {
            conf.setString(e.getKey(), e.getValue());
        }
        Files.write(confDir.resolve("config.yaml"), ConfigurationUtils.convertConfigToWritableLines(conf, false),
                StandardCharsets.UTF_8);
        Files.writeString(confDir.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = MainAppender",
                "appender.main.name = MainAppender",
                "appender.main.type = File",
                "appender.main.append = true",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-50c{1.} %x - %m%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                "logger.pekko.name = org.apache.pekko",
                "logger.pekko.level = WARN",
                ""), StandardCharsets.UTF_8);
        this.jvmOptions = new ArrayList<>(split(conf.getString("env.java.opts.all", "")));
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Writes the configuration directory under {@code work}, starts the JobManager and {@code taskManagers}
     * TaskManagers, and returns once they are registered (REST {@code /taskmanagers}).
     */
    static StandaloneCluster start(Path work, Path shippedConfDir, Path classpathFile, Map<String, String> overrides,
            int taskManagers) throws Exception {
        StandaloneCluster c = new StandaloneCluster(work, shippedConfDir, classpathFile, overrides);
        try {
            c.startJobManager();
            for (int i = 0; i < taskManagers; i++) {
                c.startTaskManager();
            }
            c.awaitTaskManagers(taskManagers, Duration.ofMinutes(2));
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    Configuration configuration() {
        return conf;
    }

    Path work() {
        return work;
    }

    int jobManagerPrometheusPort() {
        return jobManagerPrometheusPort;
    }

    /** The TaskManagers started and not killed, oldest first. */
    List<TaskManager> taskManagers() {
        return List.copyOf(taskManagers);
    }

    // ------------------------------------------------------------------------------------------------ processes

    private void startJobManager() throws Exception {
        jobManagerPrometheusPort = freePort();
        List<String> params = resourceParams("GET_JM_RESOURCE_PARAMS");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(split(params.get(0)));
        cmd.addAll(jvmOptions);
        cmd.addAll(split(conf.getString("env.java.opts.jobmanager", "")));
        cmd.addAll(logProperties("jobmanager"));
        cmd.addAll(List.of("-cp", classpath, JOB_MANAGER, "--configDir", confDir.toString()));
        cmd.addAll(split(params.get(1)));
        cmd.addAll(List.of("-D", "metrics.reporter.prom.port=" + jobManagerPrometheusPort));
        jobManager = spawn("jobmanager", cmd);
        // The REST endpoint answers once the dispatcher and resource manager are up.
        await("the JobManager's REST endpoint on :" + restPort, Duration.ofMinutes(2), () -> {
            assertAlive(jobManager, "jobmanager");
            return tryGet("/overview") != null;
        });
    }

    /** Starts one more TaskManager (its own Prometheus port); does not wait for its registration. */
    TaskManager startTaskManager() throws Exception {
        int prometheusPort = freePort();
        List<String> params = resourceParams("GET_TM_RESOURCE_PARAMS");
        String name = "taskmanager-" + (processes.size());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(split(params.get(0)));
        cmd.addAll(jvmOptions);
        cmd.addAll(split(conf.getString("env.java.opts.taskmanager", "")));
        cmd.addAll(logProperties(name));
        cmd.addAll(List.of("-cp", classpath, TASK_MANAGER, "--configDir", confDir.toString()));
        cmd.addAll(split(params.get(1)));
        cmd.addAll(List.of("-D", "metrics.reporter.prom.port=" + prometheusPort));
        TaskManager tm = new TaskManager(name, spawn(name, cmd), prometheusPort);
        taskManagers.add(tm);
        return tm;
    }

    /**
     * Kills a TaskManager with SIGKILL ({@link Process#destroyForcibly()} on Linux sends signal 9 to the child
     * JVM: no shutdown hooks, no goodbye to the JobManager) and checks that the exit code is 128 + 9.
     */
    void killTaskManager(TaskManager tm) throws Exception {
        tm.process.destroyForcibly();
        if (!tm.process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(tm + " still runs 30 s after SIGKILL");
        }
        int exit = tm.process.exitValue();
        if (exit != 128 + 9) {
            throw new IllegalStateException(tm + " exited with " + exit + ", not 137 (SIGKILL)");
        }
        taskManagers.remove(tm);
    }

    /** Waits until exactly {@code n} TaskManagers are registered with the resource manager. */
    void awaitTaskManagers(int n, Duration timeout) throws Exception {
        await(n + " registered TaskManager(s)", timeout, () -> {
            assertAlive(jobManager, "jobmanager");
            for (TaskManager tm : taskManagers) {
                assertAlive(tm.process, tm.name);
            }
            JsonNode r = tryGet("/taskmanagers");
            return r != null && r.get("taskmanagers").size() == n;
        });
    }

    /** The JVM and dynamic parameters Flink's scripts get from BashJavaUtils for this configuration. */
    private List<String> resourceParams(String command) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(logProperties("bash-java-utils"));
        cmd.addAll(List.of("-cp", classpath, BASH_JAVA_UTILS, command, "--configDir", confDir.toString()));
        CliResult r = runToEnd("bash-java-utils", cmd, Map.of(), Duration.ofMinutes(1));
        List<String> out = new ArrayList<>();
        for (String line : r.output.split("\n")) {
            if (line.startsWith(EXEC_RESULT)) {
                out.add(line.substring(EXEC_RESULT.length()).trim());
            }
        }
        if (r.exitCode != 0 || out.size() < 2) {
            throw new IllegalStateException("BashJavaUtils " + command + " exited " + r.exitCode + ":\n" + r.output);
        }
        return out.subList(out.size() - 2, out.size());
    }

    // ------------------------------------------------------------------------------------------------ client

    /** {@code flink run -d ARGS} (CliFrontend with FLINK_CONF_DIR); returns the submitted job's id. */
    String submit(List<String> runArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d"));
        args.addAll(runArgs);
        CliResult r = cli(args, Duration.ofMinutes(3));
        Matcher m = JOB_ID.matcher(r.output);
        if (r.exitCode != 0 || !m.find()) {
            throw new IllegalStateException("flink " + String.join(" ", args) + " exited " + r.exitCode + ":\n"
                    + r.output);
        }
        return m.group(1);
    }

    /** {@code flink stop --savepointPath DIR JOB} (stop with a savepoint, no drain); returns the savepoint's path. */
    String stopWithSavepoint(String jobId, Path savepointDir) throws Exception {
        CliResult r = cli(List.of("stop", "--savepointPath", savepointDir.toUri().toString(), jobId),
                Duration.ofMinutes(3));
        Matcher m = SAVEPOINT.matcher(r.output);
        if (r.exitCode != 0 || !m.find()) {
            throw new IllegalStateException("flink stop " + jobId + " exited " + r.exitCode + ":\n" + r.output);
        }
        return m.group(1);
    }

    private CliResult cli(List<String> args, Duration timeout) throws Exception {
        String name = "flink-cli-" + (++cliRuns);
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(split(conf.getString("env.java.opts.client", "")));
        cmd.addAll(logProperties(name));
        cmd.addAll(List.of("-cp", classpath, CLI));
        cmd.addAll(args);
        return runToEnd(name, cmd, Map.of("FLINK_CONF_DIR", confDir.toString()), timeout);
    }

    // ------------------------------------------------------------------------------------------------ REST

    /** GET on the JobManager's REST API; throws unless 200. */
    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return json.readTree(r.body());
    }

    private JsonNode tryGet(String path) {
        try {
            return get(path);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The job's state (RUNNING, RESTARTING, FINISHED, ...). */
    String jobState(String jobId) throws Exception {
        return get("/jobs/" + jobId).get("state").asText();
    }

    /** True when the job is RUNNING and so is every task of every vertex (not just scheduled or initialising). */
    boolean allTasksRunning(String jobId) {
        JsonNode j = tryGet("/jobs/" + jobId);
        if (j == null || !"RUNNING".equals(j.get("state").asText())) {
            return false;
        }
        for (JsonNode v : j.get("vertices")) {
            JsonNode counts = v.get("tasks");
            if (counts.get("RUNNING").asInt() != v.get("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    /**
     * When the job last entered RESTARTING (epoch ms; 0: never), from the job's own status timestamps. (The
     * {@code numRestarts} metric of {@code /jobs/<id>/metrics} comes through the REST endpoint's metric fetcher;
     * in 2 of 5 runs it had not shown a restart 2 minutes after the JobManager logged it, right after a
     * TaskManager was killed.)
     */
    long lastRestart(String jobId) throws Exception {
        JsonNode ts = get("/jobs/" + jobId).get("timestamps");
        return ts == null || ts.get("RESTARTING") == null ? 0 : ts.get("RESTARTING").asLong();
    }

    void awaitAllTasksRunning(String jobId, Duration timeout) throws Exception {
        await("every task of job " + jobId + " RUNNING", timeout, () -> {
            assertAlive(jobManager, "jobmanager");
            return allTasksRunning(jobId);
        });
    }

    void awaitJobState(String jobId, String state, Duration timeout) throws Exception {
        await("job " + jobId + " " + state, timeout, () -> state.equals(tryGetState(jobId)));
    }

    private String tryGetState(String jobId) {
        JsonNode j = tryGet("/jobs/" + jobId);
        return j == null ? null : j.get("state").asText();
    }

    /** The Prometheus text a TaskManager's reporter serves. */
    String scrape(TaskManager tm) throws IOException, InterruptedException {
        return scrape(tm.prometheusPort);
    }

    String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET :" + port + "/metrics: HTTP " + r.statusCode());
        }
        return r.body();
    }

    // ------------------------------------------------------------------------------------------------ teardown

    /** Kills every process still running (TaskManagers first); the logs stay in {@code <work>/log}. */
    @Override
    public void close() {
        List<Process> order = new ArrayList<>();
        for (TaskManager tm : taskManagers) {
            order.add(tm.process);
        }
        for (Process p : processes) {
            if (!order.contains(p)) {
                order.add(p);
            }
        }
        for (Process p : order) {
            p.destroy(); // SIGTERM: Flink's shutdown hooks clean their temporary directories
        }
        for (Process p : order) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(20, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        taskManagers.clear();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs anyway
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private Process spawn(String name, List<String> cmd) throws IOException {
        Path out = logDir.resolve(name + ".out");
        Files.writeString(out, String.join(" ", cmd) + "\n\n", StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.environment().put("FLINK_CONF_DIR", confDir.toString());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private CliResult runToEnd(String name, List<String> cmd, Map<String, String> env, Duration timeout)
            throws Exception {
        Path out = logDir.resolve(name + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " did not finish within " + timeout + "; see " + out);
            }
        } finally {
            processes.remove(p);
        }
        return new CliResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private List<String> logProperties(String name) {
        return List.of("-Dlog.file=" + logDir.resolve(name + ".log"),
                "-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
    }

    private static void assertAlive(Process p, String name) {
        if (!p.isAlive()) {
            throw new IllegalStateException(name + " exited with " + p.exitValue() + " (see its .out and .log)");
        }
    }

    /** Polls {@code condition} every 250 ms until it holds; fails after {@code timeout} naming what it waited for. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    private static String checkedClasspath(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalStateException(file + " is missing: it is written by 'mvn package' in jobs (execution "
                    + "cluster-classpath); run the suite with 'mvn verify'");
        }
        String cp = Files.readString(file, StandardCharsets.UTF_8).trim();
        List<String> names = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            names.add(Path.of(entry).getFileName().toString());
        }
        for (String required : REQUIRED_JARS) {
            if (names.stream().noneMatch(n -> n.startsWith(required))) {
                throw new IllegalStateException(file + " lacks " + required + "*.jar");
            }
        }
        for (String forbidden : FORBIDDEN_JARS) {
            names.stream().filter(n -> n.startsWith(forbidden)).findFirst().ifPresent(n -> {
                throw new IllegalStateException(file + " has " + n + ", which must come from the job jar");
            });
        }
        return cp;
    }

    private static List<String> split(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    /** Ports handed out in this JVM: a port is bound by a child JVM only later, so never hand one out twice. */
    private static final Set<Integer> ISSUED = ConcurrentHashMap.newKeySet();

    static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (ISSUED.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
