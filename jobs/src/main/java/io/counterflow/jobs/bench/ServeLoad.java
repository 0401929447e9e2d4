package io.counterflow.jobs.bench;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.io.BadInputException;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelSnapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load client of {@code bench/serve-load}: drives a running {@code counterflow serve} with a few concurrent
 * connections (JDK {@link HttpClient}, HTTP/1.1 keep-alive) at several batch sizes and prints requests/s and
 * latency percentiles per batch size, while new versions appear in the root: either published here every few
 * seconds (copies of the given source versions, alternating, each copied under a temporary name, renamed into
 * place, then {@code LATEST} switched atomically, as the publisher does), or by a streaming job ({@code --follow}).
 *
 * <p>Checks: every response must be 200; the version it names must be complete (its {@code manifest.json}
 * present) when it answers; and a probe connection, outside the timings, compares every one of its responses with
 * the named version's scores computed in-process (the version loaded from the root), so a response from a partially
 * loaded or mixed model would be counted. Then the same batches are scored in-process without HTTP (one thread),
 * so that the HTTP overhead is visible.
 */
@Command(name = "serve-load", mixinStandardHelpOptions = true,
        description = "Load test of counterflow serve (see bench/serve-load and docs/serving.md).")
public final class ServeLoad implements Callable<Integer> {
    private static final Pattern VERSION = Pattern.compile("v-(\\d+)-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PROBE_BATCH = 64;

    @Option(names = "--url", required = true, description = "The server, e.g. http://127.0.0.1:8080.")
    String url;

    @Option(names = "--models", required = true, description = "The root the server follows.")
    Path root;

    @Option(names = "--impressions", required = true, description = "Impressions (.jsonl) to draw requests from.")
    Path impressions;

    @Option(names = "--sources", split = ",", description = "Version directories to publish copies of, alternating"
            + " (omit with --follow).")
    List<Path> sources = new ArrayList<>();

    @Option(names = "--follow", description = "Do not publish: versions come from a streaming job.")
    boolean follow;

    @Option(names = "--publish-every", defaultValue = "PT3S", description = "Default: ${DEFAULT-VALUE}.")
    Duration publishEvery;

    @Option(names = "--batches", split = ",", defaultValue = "1,16,256", description = "Default: ${DEFAULT-VALUE}.")
    int[] batches;

    @Option(names = "--connections", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--duration", defaultValue = "PT20S", description = "Measured time per batch size (default:"
            + " ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "PT3S", description = "Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--backend", defaultValue = "openblas", description = "The server's backend, for the in-process"
            + " scores (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--pool", defaultValue = "4096", description = "Impressions read (default: ${DEFAULT-VALUE}).")
    int pool;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Set<String> complete = ConcurrentHashMap.newKeySet();
    private final Map<String, float[][]> expected = new ConcurrentHashMap<>();
    private final AtomicLong partial = new AtomicLong();
    private final AtomicLong probeChecked = new AtomicLong();
    private final AtomicLong probeMismatch = new AtomicLong();
    private final AtomicLong probeUnverifiable = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final Set<String> versionsSeen = ConcurrentHashMap.newKeySet();
    private Impression[] imps;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServeLoad()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!follow && sources.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "give --sources or --follow");
        }
        imps = readImpressions(impressions, pool);
        System.out.printf(Locale.ROOT, "serve-load: %s, %d connections, batches %s, %s each (after %s warm-up), %s%n",
                url, connections, Arrays.toString(batches), duration, warmup,
                follow ? "versions from the streaming job" : "a new version every " + publishEvery);
        AtomicBoolean stop = new AtomicBoolean();
        Thread publisher = follow ? null : new Thread(() -> publishLoop(stop), "publisher");
        Thread probe = new Thread(() -> probeLoop(stop), "probe");
        if (publisher != null) {
            publisher.start();
        }
        probe.start();
        long swapsBefore = metric("counterflow_serve_swaps_total");
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-6s %9s %10s %12s %8s %8s %8s %7s %8s", "batch", "requests", "req/s",
                "impr/s", "p50 ms", "p99 ms", "p999 ms", "errors", "partial"));
        long errorsTotal = 0;
        for (int b : batches) {
            Result r = load(b);
            errorsTotal += r.errors;
            table.add(String.format(Locale.ROOT, "%-6d %9d %10.0f %12.0f %8.3f %8.3f %8.3f %7d %8d", b, r.requests,
                    r.requests / r.seconds, r.requests * (double) b / r.seconds, r.p(0.50), r.p(0.99), r.p(0.999),
                    r.errors, r.partial));
        }
        stop.set(true);
        if (publisher != null) {
            publisher.join();
        }
        probe.join();
        long swaps = metric("counterflow_serve_swaps_total") - swapsBefore;
        long refused = metric("counterflow_serve_refused_versions_total");
        System.out.println();
        System.out.println("HTTP (" + connections + " connections):");
        table.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "versions: %d published here, %d swaps on the server during the run, %d"
                + " refused, %d distinct versions in responses%n", published.get(), swaps, refused, versionsSeen.size());
        System.out.printf(Locale.ROOT, "probe: %d responses compared with in-process scores of their version, %d"
                + " mismatches, %d not verifiable (version deleted before it could be loaded here)%n",
                probeChecked.get(), probeMismatch.get(), probeUnverifiable.get());
        System.out.println();
        System.out.println("scoring alone (in-process, no HTTP, 1 thread, the same batches):");
        scoringAlone();
        boolean ok = errorsTotal == 0 && partial.get() == 0 && probeMismatch.get() == 0;
        System.out.println(ok ? "serve-load: OK" : "serve-load: FAILED (errors, partial or mismatching responses)");
        return ok ? 0 : 1;
    }

    // ---- load ----------------------------------------------------------------------------------------------

    private static final class Result {
        long requests;
        long errors;
        long partial;
        double seconds;
        long[] nanos;

        double p(double q) {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            return nanos[Math.min(nanos.length - 1, (int) Math.ceil(q * nanos.length) - 1)] / 1e6;
        }
    }

    private Result load(int batch) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        for (int start = 0; start + batch <= imps.length; start += batch) {
            bodies.add(body(start, batch).getBytes(StandardCharsets.UTF_8));
        }
        long partialBefore = partial.get();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        long[][] lat = new long[connections][];
        int[] counts = new int[connections];
        long[] errors = new long[connections];
        Thread[] threads = new Thread[connections];
        for (int c = 0; c < connections; c++) {
            final int id = c;
            threads[c] = new Thread(() -> {
                long[] l = new long[1 << 16];
                int n = 0;
                int k = id;
                while (!done.get()) {
                    byte[] body = bodies.get(k++ % bodies.size());
                    long t0 = System.nanoTime();
                    boolean ok = send(body);
                    long dt = System.nanoTime() - t0;
                    if (measuring.get()) {
                        if (!ok) {
                            errors[id]++;
                        }
                        if (n == l.length) {
                            l = Arrays.copyOf(l, n * 2);
                        }
                        l[n++] = dt;
                    }
                }
                lat[id] = l;
                counts[id] = n;
            }, "load-" + c);
            threads[c].start();
        }
        Thread.sleep(warmup.toMillis());
        measuring.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(duration.toMillis());
        measuring.set(false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        done.set(true);
        for (Thread t : threads) {
            t.join();
        }
        Result r = new Result();
        r.seconds = seconds;
        int total = 0;
        for (int c = 0; c < connections; c++) {
            total += counts[c];
            r.errors += errors[c];
        }
        r.nanos = new long[total];
        int off = 0;
        for (int c = 0; c < connections; c++) {
            System.arraycopy(lat[c], 0, r.nanos, off, counts[c]);
            off += counts[c];
        }
        Arrays.sort(r.nanos);
        r.requests = total;
        r.partial = partial.get() - partialBefore; // the warm-up's too: a partial answer is never fine
        return r;
    }

    /** One request; true when it got 200 from a complete version. */
    private boolean send(byte[] body) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/score"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                return false;
            }
            String version = versionOf(r.body());
            versionsSeen.add(version);
            if (!isComplete(version)) {
                partial.incrementAndGet();
                return false;
            }
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The "version" field, which the server writes first. */
    private static String versionOf(byte[] body) {
        String head = new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8);
        int i = head.indexOf("\"version\":\"");
        int j = i < 0 ? -1 : head.indexOf('"', i + 11);
        return j < 0 ? "?" : head.substring(i + 11, j);
    }

    private boolean isComplete(String version) {
        if (complete.contains(version)) {
            return true;
        }
        if (VERSION.matcher(version).matches() && Files.exists(root.resolve(version).resolve(ModelSnapshot.MANIFEST))) {
            complete.add(version);
            return true;
        }
        return false;
    }

    // ---- probe ---------------------------------------------------------------------------------------------

    private void probeLoop(AtomicBoolean stop) {
        byte[] body = body(0, PROBE_BATCH).getBytes(StandardCharsets.UTF_8);
        while (!stop.get()) {
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/score"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() == 200) {
                    JsonNode json = JSON.readTree(r.body());
                    String v = json.get("version").asText();
                    float[][] e = expectedFor(v);
                    if (e == null) {
                        probeUnverifiable.incrementAndGet();
                    } else {
                        probeChecked.incrementAndGet();
                        JsonNode p = json.get("predictions");
                        for (int i = 0; i < PROBE_BATCH; i++) {
                            if (Math.abs(p.get(i).get("ctr").asDouble() - e[0][i]) > 1e-6
                                    || Math.abs(p.get(i).get("cvr").asDouble() - e[1][i]) > 1e-6) {
                                probeMismatch.incrementAndGet();
                                break;
                            }
                        }
                    }
                }
                Thread.sleep(20);
            } catch (IOException e) {
                // counted by the load connections; the probe only compares scores
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The in-process scores of the probe's impressions for a version, loading it once; null if it is gone. */
    private float[][] expectedFor(String version) {
        return expected.computeIfAbsent(version, v -> {
            try {
                return scoreInProcess(root.resolve(v), PROBE_BATCH);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        });
    }

    private float[][] scoreInProcess(Path dir, int n) throws IOException {
        LabeledSample[] s = samples(0, n);
        float[] ctr = new float[n];
        float[] cvr = new float[n];
        try (Backend be = Backends.create(backend); io.counterflow.model.nn.CvrModel m = ModelSnapshot.read(dir, be, n)) {
            CvrScorer.of(m).score(s, n, ctr, cvr);
        }
        return new float[][] {ctr, cvr};
    }

    // ---- publishing ----------------------------------------------------------------------------------------

    private void publishLoop(AtomicBoolean stop) {
        long cp = nextCheckpoint();
        int k = 0;
        java.util.ArrayDeque<String> mine = new java.util.ArrayDeque<>();
        while (!stop.get()) {
            try {
                Thread.sleep(publishEvery.toMillis());
                Path src = sources.get(k++ % sources.size());
                String name = "v-" + cp + "-" + (cp * 100);
                cp++;
                Path staging = root.resolve(".staging-" + name);
                copyTree(src, staging);
                Files.move(staging, root.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                Path tmp = root.resolve("LATEST.tmp");
                Files.writeString(tmp, name + "\n");
                Files.move(tmp, root.resolve("LATEST"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                published.incrementAndGet();
                mine.add(name);
                while (mine.size() > 6) { // retention, as the publisher's: never the one LATEST names
                    deleteTree(root.resolve(mine.poll()));
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                System.err.println("serve-load: publishing failed: " + e);
            }
        }
    }

    private long nextCheckpoint() {
        long max = 0;
        try (Stream<Path> list = Files.list(root)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                Matcher m = VERSION.matcher(p.getFileName().toString());
                if (m.matches()) {
                    max = Math.max(max, Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return max + 1000;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(src)) {
            walk.forEach(files::add);
        }
        files.sort(Comparator.comparing(Path::toString));
        for (Path f : files) {
            Path t = dst.resolve(src.relativize(f).toString());
            if (Files.isDirectory(f)) {
                Files.createDirectories(t);
            } else {
                Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    // ---- scoring alone ---------------------------------------------------------------------------------------

    private void scoringAlone() throws IOException {
        Path dir = follow ? latestOf(root) : sources.get(0);
        try (Backend be = Backends.create(backend)) {
            try (io.counterflow.model.nn.CvrModel model = ModelSnapshot.read(dir, be, 1024)) {
                CvrScorer scorer = CvrScorer.of(model);
                System.out.println(String.format(Locale.ROOT, "%-6s %10s %12s %8s %8s %8s", "batch", "calls/s",
                        "impr/s", "p50 ms", "p99 ms", "p999 ms"));
                for (int b : batches) {
                    List<LabeledSample[]> slices = new ArrayList<>();
                    for (int start = 0; start + b <= imps.length; start += b) {
                        slices.add(samples(start, b));
                    }
                    float[] ctr = new float[b];
                    float[] cvr = new float[b];
                    long end = System.nanoTime() + warmup.toNanos();
                    int k = 0;
                    while (System.nanoTime() < end) {
                        scorer.score(slices.get(k++ % slices.size()), b, ctr, cvr);
                    }
                    long[] l = new long[1 << 16];
                    int n = 0;
                    long t0 = System.nanoTime();
                    end = t0 + Math.min(duration.toNanos(), Duration.ofSeconds(10).toNanos());
                    long now;
                    while ((now = System.nanoTime()) < end) {
                        scorer.score(slices.get(k++ % slices.size()), b, ctr, cvr);
                        if (n == l.length) {
                            l = Arrays.copyOf(l, n * 2);
                        }
                        l[n++] = System.nanoTime() - now;
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    long[] sorted = Arrays.copyOf(l, n);
                    Arrays.sort(sorted);
                    System.out.println(String.format(Locale.ROOT, "%-6d %10.0f %12.0f %8.3f %8.3f %8.3f", b, n / s,
                            n * (double) b / s, pct(sorted, 0.5), pct(sorted, 0.99), pct(sorted, 0.999)));
                }
            }
        }
    }

    private static double pct(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private static Path latestOf(Path root) throws IOException {
        return root.resolve(Files.readAllLines(root.resolve("LATEST")).get(0).trim());
    }

    // ---- data ------------------------------------------------------------------------------------------------

    private static Impression[] readImpressions(Path file, int n) throws IOException {
        EventCodec codec = new EventCodec();
        List<Impression> l = new ArrayList<>();
        try (Stream<String> lines = Files.lines(file)) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (l.size() == n) {
                    break;
                }
                try {
                    Impression imp = codec.parseImpression(line);
                    l.add(new Impression(imp.id, imp.ts, imp.features, null));
                } catch (BadInputException e) {
                    // skip
                }
            }
        }
        if (l.size() < 256) {
            throw new IllegalArgumentException(file + ": fewer than 256 valid impressions");
        }
        return l.toArray(new Impression[0]);
    }

    private String body(int start, int n) {
        EventCodec codec = new EventCodec();
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(codec.toJson(imps[(start + i) % imps.length]));
        }
        return b.append(']').toString();
    }

    private LabeledSample[] samples(int start, int n) {
        LabeledSample[] s = new LabeledSample[n];
        for (int i = 0; i < n; i++) {
            Impression imp = imps[(start + i) % imps.length];
            s[i] = new LabeledSample(imp.id, imp.ts, 0, 0, imp.features, null);
        }
        return s;
    }

    private long metric(String name) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith(name + " ")) {
                    return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
                }
            }
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }
}
