package io.counterflow.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where the time goes: samples each job vertex's busy, back-pressured and idle time (ms per second, averaged over
 * its subtasks) from a Flink REST endpoint while a job runs, and summarises the means; and the trainer's
 * {@code trainedSamples} counter, from which it computes the steady training rate. Samples once a second on its
 * own thread ({@link #start}), so the rate does not depend on when results reach the client (the collect sink
 * delivers them at checkpoints). Best effort: a sample that fails (job not yet running, endpoint busy) is skipped.
 */
final class TaskTimeSampler {
    private static final String METRICS = "busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final String base;
    private final String jobId;
    /** vertex name → samples of [seconds since start, busy, back-pressured, idle, parallelism]. */
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();
    /** (seconds since start, samples trained) of the trainer, one per successful sample. */
    private final List<double[]> trained = new ArrayList<>();
    /** CPU seconds by thread group (and "JVM: GC, JIT, other native threads") at each sample, with its time. */
    private final List<Map<String, Double>> cpu = new ArrayList<>();
    private final List<Double> cpuAt = new ArrayList<>();
    private final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    private final long startNanos = System.nanoTime();
    private String trainedMetric;
    private ScheduledExecutorService timer;

    TaskTimeSampler(int restPort, String jobId) {
        this.base = "http://127.0.0.1:" + restPort;
        this.jobId = jobId;
    }

    /** Samples every second on a daemon thread until {@link #stop}. */
    void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "task-time-sampler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
        if (timer != null) {
            timer.shutdown();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    synchronized void sample() {
        sampleCpu();
        try {
            JsonNode job = get("/jobs/" + jobId);
            for (JsonNode v : job.get("vertices")) {
                if (!"RUNNING".equals(v.get("status").asText())) {
                    continue;
                }
                JsonNode m = get("/jobs/" + jobId + "/vertices/" + v.get("id").asText() + "/subtasks/metrics?get="
                        + METRICS + "&agg=avg");
                List<double[]> s = series.computeIfAbsent(v.get("name").asText(), k -> new ArrayList<>());
                double[] now = new double[3];
                int found = 0;
                for (JsonNode x : m) {
                    String id = x.get("id").asText();
                    double avg = x.get("avg").asDouble();
                    if (Double.isNaN(avg)) {
                        continue;
                    }
                    found++;
                    now[id.startsWith("busy") ? 0 : id.startsWith("back") ? 1 : 2] = avg;
                }
                if (v.get("name").asText().startsWith(io.counterflow.operators.train.TrainingOperator.NAME)) {
                    sampleTrained(v.get("id").asText());
                }
                if (found == 3) {
                    s.add(new double[] {(System.nanoTime() - startNanos) / 1e9, now[0], now[1], now[2],
                            v.get("parallelism").asInt()});
                }
            }
        } catch (Exception e) {
            // best effort
        }
    }

    /**
     * CPU time of this JVM's threads, grouped by task (subtask and attempt suffixes dropped), plus the process's
     * CPU time not on Java threads (garbage collection, the JIT compilers).
     */
    private void sampleCpu() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.OperatingSystemMXBean) || !threads.isThreadCpuTimeSupported()) {
            return;
        }
        Map<String, Double> by = new LinkedHashMap<>();
        double javaThreads = 0;
        for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long ns = threads.getThreadCpuTime(t.getThreadId());
            if (ns <= 0) {
                continue;
            }
            String g = t.getThreadName().replaceAll(" \\(\\d+/\\d+\\)(#\\d+)?", "").replaceAll("[-#]?\\d+$", "");
            g = g.length() > 60 ? g.substring(0, 57) + "..." : g;
            by.merge(g, ns / 1e9, Double::sum);
            javaThreads += ns / 1e9;
        }
        by.put("JVM: GC, JIT compilers, other native threads",
                ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1e9 - javaThreads);
        cpu.add(by);
        cpuAt.add((System.nanoTime() - startNanos) / 1e9);
    }

    /** CPU by thread group over [from, to] seconds: cores, and microseconds per trained sample at {@code rate}. */
    private void appendCpu(StringBuilder b, double from, double to, double rate) {
        int i = -1;
        int j = -1;
        for (int k = 0; k < cpuAt.size(); k++) {
            if (i < 0 && cpuAt.get(k) >= from) {
                i = k;
            }
            if (cpuAt.get(k) <= to) {
                j = k;
            }
        }
        if (i < 0 || j <= i) {
            return;
        }
        double dt = cpuAt.get(j) - cpuAt.get(i);
        Map<String, Double> d = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : cpu.get(j).entrySet()) {
            d.put(e.getKey(), e.getValue() - cpu.get(i).getOrDefault(e.getKey(), 0.0));
        }
        double total = d.values().stream().mapToDouble(Double::doubleValue).sum();
        b.append(String.format(Locale.ROOT, "CPU by thread over the steady window: %.2f cores, %.1f us per trained"
                + " sample%n", total / dt, 1e6 * total / dt / rate));
        d.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
                .filter(e -> e.getValue() / dt >= 0.005).forEach(e -> b.append(String.format(Locale.ROOT,
                        "  %5.2f cores  %5.2f us/sample  %s%n", e.getValue() / dt, 1e6 * e.getValue() / dt / rate,
                        e.getKey())));
    }

    private void sampleTrained(String vertex) throws Exception {
        String path = "/jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics";
        if (trainedMetric == null) {
            for (JsonNode x : get(path)) {
                if (x.get("id").asText().endsWith("." + "trainedSamples")) {
                    trainedMetric = x.get("id").asText();
                }
            }
            if (trainedMetric == null) {
                return;
            }
        }
        for (JsonNode x : get(path + "?get=" + trainedMetric + "&agg=sum")) {
            double n = x.get("sum").asDouble();
            if (!Double.isNaN(n)) {
                trained.add(new double[] {(System.nanoTime() - startNanos) / 1e9, n});
            }
        }
    }

    /**
     * The steady training rate: the least-squares slope of samples trained over time through the samples taken
     * between 20% and 90% of the final count (no start-up, no tail); NaN with fewer than 3 such samples.
     */
    synchronized double[] steadyRate() {
        if (trained.isEmpty()) {
            return new double[] {Double.NaN, 0, 0, 0};
        }
        double total = trained.get(trained.size() - 1)[1];
        List<double[]> w = new ArrayList<>();
        for (double[] p : trained) {
            if (p[1] >= 0.2 * total && p[1] <= 0.9 * total) {
                w.add(p);
            }
        }
        if (w.size() < 3) {
            return new double[] {Double.NaN, 0, 0, total};
        }
        double mt = 0;
        double mn = 0;
        for (double[] p : w) {
            mt += p[0] / w.size();
            mn += p[1] / w.size();
        }
        double num = 0;
        double den = 0;
        for (double[] p : w) {
            num += (p[0] - mt) * (p[1] - mn);
            den += (p[0] - mt) * (p[0] - mt);
        }
        return new double[] {num / den, w.get(0)[0], w.get(w.size() - 1)[0], total};
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return json.readTree(r.body());
    }

    /** One line per vertex: mean busy / back-pressured / idle ms per second over the samples taken. */
    synchronized String summary() {
        StringBuilder b = new StringBuilder();
        double[] steady = steadyRate();
        if (!Double.isNaN(steady[0])) {
            b.append(String.format(Locale.ROOT, "Trainer steady rate: %.0f samples/s (slope of %s, sampled every"
                    + " second, from %.1f s to %.1f s: 20%%..90%% of the %,.0f samples trained)%n", steady[0],
                    trainedMetric, steady[1], steady[2], steady[3]));
        }
        boolean window = !Double.isNaN(steady[0]);
        if (window) {
            appendCpu(b, steady[1], steady[2], steady[0]);
        }
        b.append(window ? String.format(Locale.ROOT, "Task time from %.1f s to %.1f s (the steady window; mean over"
                + " samples; ms per second per subtask):%n", steady[1], steady[2])
                : "Task time while running (mean over samples; ms per second per subtask):\n");
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            double[] m = new double[5];
            for (double[] x : e.getValue()) {
                if (!window || x[0] >= steady[1] && x[0] <= steady[2]) {
                    m[0]++;
                    m[1] += x[1];
                    m[2] += x[2];
                    m[3] += x[3];
                    m[4] = x[4];
                }
            }
            if (m[0] == 0) {
                continue;
            }
            String name = e.getKey().length() > 70 ? e.getKey().substring(0, 67) + "..." : e.getKey();
            b.append(String.format(Locale.ROOT, "  %-70s x%d  busy %4.0f  backpressured %4.0f  idle %4.0f  (%d samples)%n",
                    name, (int) m[4], m[1] / m[0], m[2] / m[0], m[3] / m[0], (int) m[0]));
        }
        return b.toString();
    }
}
