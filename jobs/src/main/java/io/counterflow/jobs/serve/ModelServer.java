package io.counterflow.jobs.serve;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.snapshot.CvrScorer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Serves the model versions of a publication root over HTTP (CONTRACT.md, "Serving").
 *
 * <h2>Swaps</h2>
 * The serving version is one volatile reference to an immutable {@link LoadedModel}. A watcher thread reads
 * {@code LATEST} every poll interval (and at once on each announcement of the model-updates topic, when given);
 * when it names a version that is neither serving nor refused, the version is loaded beside the current one and
 * validated (manifest, shapes, checksums, a smoke score), and only then is the reference switched. A request reads
 * the reference once, so all its predictions come from one complete version; the old version's scorers are closed
 * after its last in-flight request. A version that fails validation is logged once, counted in {@code
 * counterflow_serve_refused_versions_total} and remembered, so it is not retried; the current one keeps serving.
 *
 * <h2>Pinning</h2>
 * {@code POST /v1/rollback {"version":"v-.."}} (or the pin setting at start) loads that version, serves it and
 * ignores {@code LATEST} until {@code POST /v1/unpin}, which follows {@code LATEST} again at once.
 *
 * <h2>Threads</h2>
 * Requests run on a fixed pool of {@code threads} threads with a bounded queue (when it is full, the accepting
 * thread waits: back-pressure through TCP rather than an unbounded backlog); each thread reuses its parse and
 * response buffers, and borrows one of the version's per-thread scorers while it scores.
 */
public final class ModelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final int QUEUE = 1024;

    static {
        // The JDK server writes a response's headers and body separately; with Nagle's algorithm on, the body then
        // waits for the client's delayed ACK (about 40 ms per request). Read once, when the server first starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final ServeSettings settings;
    private final ServedRoot root;
    private final ServeMetrics metrics = new ServeMetrics();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final Object swapLock = new Object();
    private final ThreadPoolExecutor requests;
    private final ScheduledExecutorService watcher;
    private final HttpServer http;
    private final ThreadLocal<Scratch> scratch;
    private final Path cache;
    private final int capacity;
    private volatile LoadedModel current;
    private volatile String pinned;
    private volatile String lastProblem;
    private volatile Announcements announcements;

    private ModelServer(ServeSettings s) throws IOException {
        this.settings = s;
        this.root = ServedRoot.at(s.models);
        this.capacity = Math.min(1024, s.maxBatch);
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(s.maxBatch));
        this.cache = root.isLocal() ? null : Files.createTempDirectory("counterflow-serve-");
        AtomicInteger ids = new AtomicInteger();
        this.requests = new ThreadPoolExecutor(s.threads, s.threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "serve-request-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, pool) -> {
                    try {
                        if (!pool.isShutdown()) {
                            pool.getQueue().put(r); // back-pressure: the accepting thread waits for room
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new RejectedExecutionException("interrupted while queueing a request", e);
                    }
                });
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "serve-watcher");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpServer.create(new InetSocketAddress(s.host, s.port), 256);
        http.setExecutor(requests);
        http.createContext("/", this::handle);
    }

    /**
     * Starts a server: binds the port, loads the pinned version or the one {@code LATEST} names (when there is one;
     * otherwise it answers 503 until a first version appears), and starts watching the root.
     */
    public static ModelServer start(ServeSettings s) throws IOException {
        ModelServer server = new ModelServer(s);
        try {
            if (!s.pin.isEmpty()) {
                String why = server.pin(s.pin);
                if (why != null) {
                    throw new IllegalArgumentException(ServeSettings.PIN.key() + " " + s.pin + ": " + why);
                }
            } else {
                server.check();
            }
            server.http.start();
            long poll = s.poll.toMillis();
            server.watcher.scheduleWithFixedDelay(server::checkQuietly, poll, poll, TimeUnit.MILLISECONDS);
            if (!s.updatesTopic.isEmpty()) {
                server.announcements = Announcements.start(s.bootstrapServers, s.updatesTopic,
                        () -> server.watcher.execute(server::checkQuietly));
            }
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The bound port (the chosen one when the settings asked for 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The serving version, or null before the first. */
    public String version() {
        LoadedModel m = current;
        return m == null ? null : m.version;
    }

    /** The pinned version, or null when following LATEST. */
    public String pinned() {
        return pinned;
    }

    /** Versions refused so far. */
    public Set<String> refused() {
        return Set.copyOf(refused);
    }

    private void checkQuietly() {
        try {
            check();
        } catch (Throwable t) {
            LOG.warn("serve: checking {} failed: {}", root, t.toString());
        }
    }

    /** Reads LATEST and swaps to the version it names, unless pinned, already serving, or refused before. */
    void check() throws IOException {
        if (pinned != null) {
            return;
        }
        Optional<String> latest;
        try {
            latest = root.latest();
        } catch (IOException e) {
            String problem = e.getMessage();
            if (!problem.equals(lastProblem)) { // one line per distinct problem, not one per poll
                LOG.warn("serve: {}", problem);
                lastProblem = problem;
            }
            return;
        }
        lastProblem = null;
        if (latest.isEmpty()) {
            return;
        }
        String name = latest.get();
        LoadedModel m = current;
        if ((m != null && m.version.equals(name)) || refused.contains(name)) {
            return;
        }
        synchronized (swapLock) {
            if (pinned == null) {
                tryLoad(name, false);
            }
        }
    }

    /** Loads, validates and swaps to {@code name}; returns null on success, else why not (already logged). */
    private String tryLoad(String name, boolean explicit) {
        LoadedModel m = current;
        if (m != null && m.version.equals(name)) {
            return null;
        }
        LoadedModel next;
        Path local = null;
        try {
            if (!root.hasVersion(name)) {
                throw new java.io.FileNotFoundException(root + "/" + name + ": no such version (or incomplete: no "
                        + "manifest.json)");
            }
            local = root.localCopy(name, cache == null ? Path.of(".") : cache);
            next = LoadedModel.load(name, local, settings.threads, capacity, settings.backend);
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            metrics.refused.increment(); // counted before it is visible as refused (readers see both)
            if (!explicit) {
                refused.add(name);
            }
            LOG.warn("serve: refused model version {}: {}; still serving {}", name, why,
                    m == null ? "nothing" : m.version);
            return why;
        } finally {
            if (cache != null && local != null) {
                deleteTree(local);
            }
        }
        metrics.swaps.increment(); // counted before the swap is visible
        current = next;
        if (m != null) {
            m.retire();
        }
        LOG.info("serve: serving model version {} (was {})", name, m == null ? "none" : m.version);
        return null;
    }

    /** Pins {@code name} (loading it if needed); returns null on success, else why not. */
    String pin(String name) {
        if (!ModelRoot.isVersionName(name)) {
            return "not a version name (v-<checkpoint>-<step>)";
        }
        synchronized (swapLock) {
            String why = tryLoad(name, true);
            if (why == null) {
                pinned = name;
                LOG.info("serve: pinned model version {}; LATEST is ignored until POST /v1/unpin", name);
            }
            return why;
        }
    }

    /** Follows LATEST again, at once. */
    void unpin() {
        synchronized (swapLock) {
            pinned = null;
        }
        checkQuietly();
    }

    // ---- HTTP ------------------------------------------------------------------------------------------------

    /** Per request thread: the body buffer, the parser's samples, scores, and the response buffer. */
    private static final class Scratch {
        byte[] body = new byte[1 << 16];
        final ScoreRequest request;
        final float[] ctr;
        final float[] cvr;
        final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);

        Scratch(int maxBatch) {
            request = new ScoreRequest(maxBatch);
            ctr = new float[maxBatch];
            cvr = new float[maxBatch];
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case "/v1/score":
                    metrics.request("score");
                    if (allow(ex, method, "POST")) {
                        score(ex);
                    }
                    break;
                case "/v1/model":
                    metrics.request("model");
                    if (allow(ex, method, "GET")) {
                        model(ex);
                    }
                    break;
                case "/healthz":
                    metrics.request("healthz");
                    if (allow(ex, method, "GET")) {
                        LoadedModel m = current;
                        if (m == null) {
                            metrics.error("no_model");
                        }
                        json(ex, m == null ? 503 : 200, m == null ? Map.of("status", "no model loaded yet")
                                : Map.of("status", "ok", "version", m.version));
                    }
                    break;
                case "/metrics":
                    metrics.request("metrics");
                    if (allow(ex, method, "GET")) {
                        byte[] b = metrics.render(version(), pinned).getBytes(StandardCharsets.UTF_8);
                        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                        ex.sendResponseHeaders(200, b.length);
                        ex.getResponseBody().write(b);
                    }
                    break;
                case "/v1/rollback":
                    metrics.request("rollback");
                    if (allow(ex, method, "POST")) {
                        rollback(ex);
                    }
                    break;
                case "/v1/unpin":
                    metrics.request("unpin");
                    if (allow(ex, method, "POST")) {
                        unpin();
                        json(ex, 200, modelView());
                    }
                    break;
                default:
                    metrics.request("other");
                    error(ex, 404, "not_found", "no such endpoint: " + truncate(path)
                            + " (POST /v1/score, GET /v1/model, GET /healthz, GET /metrics, POST /v1/rollback,"
                            + " POST /v1/unpin)");
            }
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError) {
                throw (VirtualMachineError) t;
            }
            // A broken connection while answering (the client went away), or a bug: logged, the server goes on.
            metrics.error(t instanceof IOException ? "connection" : "internal");
            LOG.warn("serve: {} {} failed: {}", ex.getRequestMethod(), truncate(ex.getRequestURI().getPath()),
                    t.toString());
            try {
                error(ex, 500, null, "internal error: " + t);
            } catch (Throwable ignored) {
                // the response was already started or the connection is gone
            }
        } finally {
            ex.close();
        }
    }

    private boolean allow(HttpExchange ex, String method, String expected) throws IOException {
        if (method.equals(expected)) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", expected);
        error(ex, 405, "method_not_allowed", method + " is not allowed here; use " + expected);
        return false;
    }

    private void score(HttpExchange ex) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Scratch sc = scratch.get();
        int len = readBody(ex, sc);
        if (len < 0) {
            return;
        }
        ScoreRequest req = sc.request;
        try {
            req.parse(sc.body, len);
        } catch (ScoreRequest.BadRequest e) {
            error(ex, e.status, e.kind, e.getMessage());
            return;
        }
        int n = req.size();
        LoadedModel m;
        while (true) {
            m = current;
            if (m == null) {
                error(ex, 503, "no_model", "no model loaded yet (waiting for " + root + "/" + ModelRoot.LATEST + ")");
                return;
            }
            if (m.retain()) {
                break; // else it was retired and closed between the read and the retain: read the new one
            }
        }
        LabeledSample[] samples = req.samples();
        try {
            if (n > 0) {
                CvrScorer s = m.borrow();
                try {
                    s.score(samples, n, sc.ctr, sc.cvr);
                } finally {
                    m.giveBack(s);
                }
            }
            sc.out.reset();
            try (JsonGenerator g = FACTORY.createGenerator(sc.out, JsonEncoding.UTF8)) {
                g.writeStartObject();
                g.writeStringField("version", m.version);
                g.writeArrayFieldStart("predictions");
                for (int i = 0; i < n; i++) {
                    double ctr = sc.ctr[i];
                    double cvr = sc.cvr[i];
                    g.writeStartObject();
                    g.writeStringField("id", samples[i].id);
                    g.writeNumberField("ctr", ctr);
                    g.writeNumberField("cvr", cvr);
                    g.writeNumberField("ctcvr", ctr * cvr);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        } finally {
            m.release();
        }
        for (int i = 0; i < n; i++) {
            samples[i].features = null; // do not keep the request's features alive until the next one
        }
        // Counted before the response leaves: a client that has its answer and then scrapes /metrics sees its
        // request (the response is fully buffered, so the socket write left out of the latency is a memcpy).
        metrics.impressions.add(n);
        metrics.scoreLatency(System.nanoTime() - t0);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, sc.out.size());
        try (OutputStream os = ex.getResponseBody()) {
            sc.out.writeTo(os);
        }
    }

    /** Reads the body into the thread's buffer; answers 413 (and returns -1) when it is over the cap. */
    private int readBody(HttpExchange ex, Scratch sc) throws IOException {
        int max = settings.maxBodyBytes;
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long n;
            try {
                n = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n > max) {
                ex.getResponseHeaders().set("Connection", "close");
                error(ex, 413, "body_too_large", "request body of " + n + " bytes is over the limit of " + max
                        + " (the server's --max-body-bytes)");
                return -1;
            }
        }
        InputStream in = ex.getRequestBody();
        int len = 0;
        while (true) {
            if (len == sc.body.length) {
                if (len > max) {
                    break;
                }
                sc.body = java.util.Arrays.copyOf(sc.body, (int) Math.min((long) max + 1, 2L * len));
            }
            int r = in.read(sc.body, len, sc.body.length - len);
            if (r < 0) {
                break;
            }
            len += r;
        }
        if (len > max) {
            ex.getResponseHeaders().set("Connection", "close");
            error(ex, 413, "body_too_large", "request body is over the limit of " + max
                    + " bytes (the server's --max-body-bytes)");
            return -1;
        }
        return len;
    }

    private Map<String, Object> modelView() {
        LoadedModel m = current;
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("version", m == null ? null : m.version);
        v.put("pinned", pinned != null);
        v.put("root", root.location());
        if (m != null) {
            v.put("loaded_at_ms", m.loadedAtMillis);
            v.put("backend", m.backendName);
            v.put("manifest", m.manifest);
        }
        v.put("refused", refused.stream().sorted().toArray());
        return v;
    }

    private void model(HttpExchange ex) throws IOException {
        if (current == null) {
            metrics.error("no_model");
            json(ex, 503, modelView());
        } else {
            json(ex, 200, modelView());
        }
    }

    private void rollback(HttpExchange ex) throws IOException {
        Scratch sc = scratch.get();
        int len = readBody(ex, sc);
        if (len < 0) {
            return;
        }
        String name;
        try {
            JsonNode body = JSON.readTree(new String(sc.body, 0, len, StandardCharsets.UTF_8));
            JsonNode v = body == null ? null : body.get("version");
            if (v == null || !v.isTextual()) {
                error(ex, 400, "bad_request", "expected {\"version\":\"v-<checkpoint>-<step>\"}");
                return;
            }
            name = v.asText();
        } catch (IOException e) {
            error(ex, 400, "bad_json", "not valid JSON");
            return;
        }
        if (!ModelRoot.isVersionName(name)) {
            error(ex, 400, "bad_request", "version '" + truncate(name) + "' is not a version name"
                    + " (v-<checkpoint>-<step>)");
            return;
        }
        if (!root.hasVersion(name)) {
            error(ex, 404, "no_such_version", "no complete version " + name + " in " + root);
            return;
        }
        String why = pin(name);
        if (why != null) {
            error(ex, 409, "version_refused", name + " failed validation: " + why);
            return;
        }
        json(ex, 200, modelView());
    }

    private void json(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private void error(HttpExchange ex, int status, String kind, String reason) throws IOException {
        if (kind != null) {
            metrics.error(kind);
        }
        json(ex, status, Map.of("error", reason));
    }

    private static String truncate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("could not delete {}", dir, e);
        }
    }

    /** Whether the model-updates topic is followed yet (false without one; tests). */
    boolean followingAnnouncements() {
        Announcements a = announcements;
        return a != null && a.following();
    }

    /** Metrics text, as served (tests). */
    String metricsText() {
        return metrics.render(version(), pinned);
    }

    @Override
    public void close() {
        if (announcements != null) {
            announcements.close();
        }
        watcher.shutdownNow();
        http.stop(0);
        requests.shutdownNow();
        try {
            watcher.awaitTermination(10, TimeUnit.SECONDS);
            requests.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (swapLock) {
            LoadedModel m = current;
            current = null;
            if (m != null) {
                m.retire();
            }
        }
        if (cache != null) {
            deleteTree(cache);
        }
    }
}
