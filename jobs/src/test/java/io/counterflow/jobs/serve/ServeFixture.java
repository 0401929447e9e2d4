package io.counterflow.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.connectors.snapshot.TestPublisher;
import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.settings.Settings;
import io.counterflow.model.snapshot.CvrScorer;
import io.counterflow.model.snapshot.ModelSnapshot;
import io.counterflow.model.testing.TinyData;

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
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.BooleanSupplier;

/**
 * Real model versions for serving tests: tiny models trained for a few steps (different steps, different weights),
 * written as snapshots and published into a root with the streaming job's publisher; an HTTP client; polling.
 */
final class ServeFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEADLINE = Duration.ofSeconds(60);
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    private ServeFixture() {}

    /** A snapshot of a tiny DCMT model trained for {@code steps} steps, in {@code dir}. */
    static Path snapshot(Path dir, int steps) throws IOException {
        Settings s = TinyData.tinySettings("dcmt", "mmoe");
        try (Backend be = Backends.create("java"); CvrModel m = new CvrModel(s, TinyData.space(s), be, 32)) {
            BatchEncoder enc = new BatchEncoder(m.featureSpace());
            for (int i = 0; i < steps; i++) {
                m.trainStep(TinyData.encode(enc, TinyData.samples(24, i)));
            }
            return ModelSnapshot.write(m, dir, Map.of("steps", steps));
        }
    }

    /** Publishes the snapshot in {@code staging} as version {@code v-<cp>-<step>} of {@code root}; returns the name. */
    static String publish(Path root, long cp, long step, Path staging) throws IOException {
        try (TestPublisher p = TestPublisher.of(root.toString(), 100)) {
            return p.publish(cp, step, step * 24, staging);
        }
    }

    /** Trains, snapshots and publishes version {@code v-<cp>-<steps>}. */
    static String publishTrained(Path root, Path tmp, long cp, int steps) throws IOException {
        return publish(root, cp, steps, snapshot(tmp.resolve("staging-" + cp), steps));
    }

    /** The impressions of the requests: TinyData's features, ids {@code q0..}. */
    static Impression[] impressions(int n, long seed) {
        LabeledSample[] s = TinyData.samples(n, seed);
        Impression[] imps = new Impression[n];
        for (int i = 0; i < n; i++) {
            imps[i] = new Impression("q" + i, 1_700_000_000_000L + i, s[i].features, null);
        }
        return imps;
    }

    /** A request body: the impressions as a JSON array. */
    static String body(Impression[] imps) {
        EventCodec codec = new EventCodec();
        StringJoiner j = new StringJoiner(",", "[", "]");
        for (Impression imp : imps) {
            j.add(codec.toJson(imp));
        }
        return j.toString();
    }

    /**
     * pCTR and pCVR of the impressions scored in-process from a version directory, on the server's default backend
     * (so that a GPU machine's {@code auto} does not compare CUDA with OpenBLAS): {ctr[], cvr[]}.
     */
    static float[][] inProcess(Path versionDir, Impression[] imps) throws IOException {
        LabeledSample[] s = new LabeledSample[imps.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = new LabeledSample(imps[i].id, imps[i].ts, 0, 0, imps[i].features, null);
        }
        float[] ctr = new float[s.length];
        float[] cvr = new float[s.length];
        try (Backend be = Backends.create(ServeSettings.DEFAULT_BACKEND);
                CvrModel m = ModelSnapshot.read(versionDir, be, 64)) {
            CvrScorer.of(m).score(s, s.length, ctr, cvr);
        }
        return new float[][] {ctr, cvr};
    }

    /** Asserts that a score response's predictions are these scores, in order, with the request's ids. */
    static void assertPredictions(JsonNode response, Impression[] imps, float[][] expected) {
        JsonNode p = response.get("predictions");
        assertThat(p.size()).isEqualTo(imps.length);
        for (int i = 0; i < imps.length; i++) {
            JsonNode e = p.get(i);
            assertThat(e.get("id").asText()).isEqualTo(imps[i].id);
            assertThat(e.get("ctr").asDouble()).as("ctr[%d]", i).isCloseTo(expected[0][i], within(1e-6));
            assertThat(e.get("cvr").asDouble()).as("cvr[%d]", i).isCloseTo(expected[1][i], within(1e-6));
            assertThat(e.get("ctcvr").asDouble()).isCloseTo((double) expected[0][i] * expected[1][i], within(1e-6));
        }
    }

    /** True when the scores agree within the tolerance of {@link #assertPredictions}. */
    static boolean matches(JsonNode response, float[][] expected) {
        JsonNode p = response.get("predictions");
        for (int i = 0; i < p.size(); i++) {
            if (Math.abs(p.get(i).get("ctr").asDouble() - expected[0][i]) > 1e-6
                    || Math.abs(p.get(i).get("cvr").asDouble() - expected[1][i]) > 1e-6) {
                return false;
            }
        }
        return true;
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }

    /** A response: status and body. */
    static final class Reply {
        final int status;
        final String body;

        Reply(int status, String body) {
            this.status = status;
            this.body = body;
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    static Reply get(int port, String path) throws IOException, InterruptedException {
        return send(port, "GET", path, null);
    }

    static Reply post(int port, String path, String body) throws IOException, InterruptedException {
        return send(port, "POST", path, body);
    }

    static Reply send(int port, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    /** Polls {@code condition} every 20 ms until it holds; fails after a generous deadline. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A server on an ephemeral port over {@code root}, polling every 50 ms, 4 threads, batches of at most 64, bodies of at most 16 KiB. */
    static ModelServer server(Path root) throws IOException {
        org.apache.flink.configuration.Configuration c = ServeSettings.config(root.toString(), 0);
        c.set(ServeSettings.POLL.option(), Duration.ofMillis(50));
        c.set(ServeSettings.MAX_BATCH.option(), 64);
        c.set(ServeSettings.MAX_BODY_BYTES.option(), 16 * 1024);
        return ModelServer.start(ServeSettings.from(c));
    }

    /** Writes bytes into a file of a published version at {@code offset} (flips them). */
    static void corrupt(Path file, int offset) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[offset] ^= (byte) 0x5a;
        Files.write(file, b);
    }
}
