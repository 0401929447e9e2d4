package io.counterflow.jobs.serve;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters, rendered as Prometheus text (exposition format 0.0.4). Lock-free on the request path:
 * {@link LongAdder}s and a fixed-bucket latency histogram.
 */
final class ServeMetrics {
    /** Upper bounds of the latency histogram, in seconds (cumulative buckets, as Prometheus expects). */
    static final double[] BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final LongAdder latencyCount = new LongAdder();
    private final LongAdder latencyNanos = new LongAdder();
    final LongAdder impressions = new LongAdder();
    final LongAdder swaps = new LongAdder();
    final LongAdder refused = new LongAdder();

    ServeMetrics() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void request(String endpoint) {
        requests.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
    }

    void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    long errors(String kind) {
        LongAdder a = errors.get(kind);
        return a == null ? 0 : a.sum();
    }

    /** One answered score request that took {@code nanos}. */
    void scoreLatency(long nanos) {
        double s = nanos / 1e9;
        int i = 0;
        while (i < BOUNDS.length && s > BOUNDS[i]) {
            i++;
        }
        buckets[i].increment();
        latencyCount.increment();
        latencyNanos.add(nanos);
    }

    /** Prometheus text; {@code version} is the serving version (null before the first), {@code pinned} the pin. */
    String render(String version, String pinned) {
        StringBuilder b = new StringBuilder(2048);
        b.append("# HELP counterflow_serve_requests_total HTTP requests by endpoint.\n");
        b.append("# TYPE counterflow_serve_requests_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            b.append("counterflow_serve_requests_total{endpoint=\"").append(e.getKey()).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        }
        b.append("# HELP counterflow_serve_errors_total Requests answered with an error, by kind.\n");
        b.append("# TYPE counterflow_serve_errors_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(errors).entrySet()) {
            b.append("counterflow_serve_errors_total{kind=\"").append(e.getKey()).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        }
        b.append("# HELP counterflow_serve_scored_impressions_total Impressions scored.\n");
        b.append("# TYPE counterflow_serve_scored_impressions_total counter\n");
        b.append("counterflow_serve_scored_impressions_total ").append(impressions.sum()).append('\n');
        b.append("# HELP counterflow_serve_score_seconds Latency of answered /v1/score requests (body read to"
                + " response ready to send).\n");
        b.append("# TYPE counterflow_serve_score_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < buckets.length; i++) {
            cumulative += buckets[i].sum();
            b.append("counterflow_serve_score_seconds_bucket{le=\"")
                    .append(i < BOUNDS.length ? java.math.BigDecimal.valueOf(BOUNDS[i]).toPlainString() : "+Inf").append("\"} ")
                    .append(cumulative).append('\n');
        }
        b.append("counterflow_serve_score_seconds_sum ").append(latencyNanos.sum() / 1e9).append('\n');
        b.append("counterflow_serve_score_seconds_count ").append(latencyCount.sum()).append('\n');
        b.append("# HELP counterflow_serve_swaps_total Model versions swapped in (the first load included).\n");
        b.append("# TYPE counterflow_serve_swaps_total counter\n");
        b.append("counterflow_serve_swaps_total ").append(swaps.sum()).append('\n');
        b.append("# HELP counterflow_serve_refused_versions_total Versions that failed validation and were not"
                + " served.\n");
        b.append("# TYPE counterflow_serve_refused_versions_total counter\n");
        b.append("counterflow_serve_refused_versions_total ").append(refused.sum()).append('\n');
        b.append("# HELP counterflow_serve_model_loaded 1 when a model is serving.\n");
        b.append("# TYPE counterflow_serve_model_loaded gauge\n");
        b.append("counterflow_serve_model_loaded ").append(version == null ? 0 : 1).append('\n');
        b.append("# HELP counterflow_serve_model_info The serving version (value 1), and whether it is pinned.\n");
        b.append("# TYPE counterflow_serve_model_info gauge\n");
        if (version != null) {
            b.append("counterflow_serve_model_info{version=\"").append(version).append("\",pinned=\"")
                    .append(version.equals(pinned)).append("\"} 1\n");
        }
        return b.toString();
    }
}
