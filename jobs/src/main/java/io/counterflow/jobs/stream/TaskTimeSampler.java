package io.counterflow.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the time goes: samples each job vertex's busy, back-pressured and idle time (ms per second, averaged over
 * its subtasks) from a Flink REST endpoint while a job runs, and summarises the means. Best effort: a sample that
 * fails (job not yet running, endpoint busy) is skipped.
 */
final class TaskTimeSampler {
    private static final String METRICS = "busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final String base;
    private final String jobId;
    /** vertex name → [samples, busy sum, back-pressured sum, idle sum, parallelism]. */
    private final Map<String, double[]> sums = new LinkedHashMap<>();

    TaskTimeSampler(int restPort, String jobId) {
        this.base = "http://127.0.0.1:" + restPort;
        this.jobId = jobId;
    }

    void sample() {
        try {
            JsonNode job = get("/jobs/" + jobId);
            for (JsonNode v : job.get("vertices")) {
                if (!"RUNNING".equals(v.get("status").asText())) {
                    continue;
                }
                JsonNode m = get("/jobs/" + jobId + "/vertices/" + v.get("id").asText() + "/subtasks/metrics?get="
                        + METRICS + "&agg=avg");
                double[] s = sums.computeIfAbsent(v.get("name").asText(), k -> new double[5]);
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
                if (found == 3) {
                    s[0]++;
                    s[1] += now[0];
                    s[2] += now[1];
                    s[3] += now[2];
                    s[4] = v.get("parallelism").asInt();
                }
            }
        } catch (Exception e) {
            // best effort
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return json.readTree(r.body());
    }

    /** One line per vertex: mean busy / back-pressured / idle ms per second over the samples taken. */
    String summary() {
        StringBuilder b = new StringBuilder("Task time while running (mean over samples; ms per second per subtask):\n");
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            double[] s = e.getValue();
            if (s[0] == 0) {
                continue;
            }
            String name = e.getKey().length() > 70 ? e.getKey().substring(0, 67) + "..." : e.getKey();
            b.append(String.format(Locale.ROOT, "  %-70s x%d  busy %4.0f  backpressured %4.0f  idle %4.0f  (%d samples)%n",
                    name, (int) s[4], s[1] / s[0], s[2] / s[0], s[3] / s[0], (int) s[0]));
        }
        return b.toString();
    }
}
