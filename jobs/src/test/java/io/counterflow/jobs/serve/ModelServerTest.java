package io.counterflow.jobs.serve;

import static io.counterflow.jobs.serve.ServeFixture.assertPredictions;
import static io.counterflow.jobs.serve.ServeFixture.await;
import static io.counterflow.jobs.serve.ServeFixture.body;
import static io.counterflow.jobs.serve.ServeFixture.get;
import static io.counterflow.jobs.serve.ServeFixture.impressions;
import static io.counterflow.jobs.serve.ServeFixture.inProcess;
import static io.counterflow.jobs.serve.ServeFixture.post;
import static io.counterflow.jobs.serve.ServeFixture.publishTrained;
import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.Impression;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server over a real publication root on an ephemeral port, with real model versions (tiny models trained a few
 * steps, published by the streaming job's publisher) and the JDK's HTTP client.
 */
class ModelServerTest {
    @TempDir Path tmp;

    private Path root() throws IOException {
        return Files.createDirectories(tmp.resolve("models"));
    }

    @Test
    void scoresMatchInProcessScoringInRequestOrder() throws Exception {
        Path root = root();
        String v1 = publishTrained(root, tmp, 1, 3);
        Impression[] imps = impressions(40, 5);
        try (ModelServer server = ModelServer.start(ServeSettings.from(ServeSettings.config(root.toString(), 0)))) {
            ServeFixture.Reply r = post(server.port(), "/v1/score", body(imps));
            assertThat(r.status).as(r.body).isEqualTo(200);
            JsonNode json = r.json();
            assertThat(json.get("version").asText()).isEqualTo(v1);
            assertPredictions(json, imps, inProcess(root.resolve(v1), imps));

            assertThat(get(server.port(), "/healthz").status).isEqualTo(200);
            JsonNode model = get(server.port(), "/v1/model").json();
            assertThat(model.get("version").asText()).isEqualTo(v1);
            assertThat(model.get("pinned").asBoolean()).isFalse();
            assertThat(model.get("manifest").get("objective").asText()).isEqualTo("dcmt");
            assertThat(model.get("manifest").get("counters").get("step").asLong()).isEqualTo(3);
            assertThat(model.get("manifest").has("tensors")).isFalse();

            // ts optional; unknown top-level fields (and truth) ignored; an empty batch is an empty answer
            r = post(server.port(), "/v1/score", "[{\"id\":\"a\",\"features\":{\"user\":\"u1\",\"price\":2},"
                    + "\"extra\":{\"x\":[1,{\"y\":null}]},\"truth\":{\"ctr\":0.1,\"cvr\":0.2}}]");
            assertThat(r.status).as(r.body).isEqualTo(200);
            assertThat(r.json().get("predictions").get(0).get("id").asText()).isEqualTo("a");
            assertThat(post(server.port(), "/v1/score", "[]").json().get("predictions").size()).isZero();

            String metrics = get(server.port(), "/metrics").body;
            assertThat(metrics).contains("counterflow_serve_requests_total{endpoint=\"score\"} 3")
                    .contains("counterflow_serve_scored_impressions_total 41")
                    .contains("counterflow_serve_score_seconds_count 3")
                    .contains("counterflow_serve_score_seconds_bucket{le=\"+Inf\"} 3")
                    .contains("counterflow_serve_swaps_total 1")
                    .contains("counterflow_serve_model_info{version=\"" + v1 + "\",pinned=\"false\"} 1");
        }
    }

    @Test
    void beforeTheFirstVersionHealthIs503ThenTheFirstPublishedVersionServes() throws Exception {
        Path root = root();
        try (ModelServer server = ServeFixture.server(root)) {
            assertThat(get(server.port(), "/healthz").status).isEqualTo(503);
            ServeFixture.Reply r = post(server.port(), "/v1/score", body(impressions(2, 1)));
            assertThat(r.status).isEqualTo(503);
            assertThat(r.json().get("error").asText()).contains("no model loaded yet");
            String v1 = publishTrained(root, tmp, 1, 2);
            await("serving " + v1, () -> v1.equals(server.version()));
            assertThat(get(server.port(), "/healthz").status).isEqualTo(200);
        }
    }

    /**
     * The "no partial model" check: clients score the same batch continuously while a new version is published;
     * every request succeeds, and each response's predictions are exactly those of the version it names.
     */
    @Test
    void hotSwapUnderLoadAnswersEveryRequestFromOneCompleteVersion() throws Exception {
        Path root = root();
        String v1 = publishTrained(root, tmp, 1, 2);
        Impression[] imps = impressions(48, 11);
        String request = body(imps);
        try (ModelServer server = ServeFixture.server(root)) {
            await("serving v1", () -> v1.equals(server.version()));
            Map<String, float[][]> expected = new ConcurrentHashMap<>();
            expected.put(v1, inProcess(root.resolve(v1), imps));
            AtomicBoolean stop = new AtomicBoolean();
            Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<JsonNode> answers = java.util.Collections.synchronizedList(new ArrayList<>());
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                running.add(clients.submit(() -> {
                    while (!stop.get()) {
                        try {
                            ServeFixture.Reply r = post(server.port(), "/v1/score", request);
                            if (r.status != 200) {
                                failures.add(r.toString());
                                continue;
                            }
                            JsonNode json = r.json();
                            seen.computeIfAbsent(json.get("version").asText(), k -> new AtomicInteger())
                                    .incrementAndGet();
                            answers.add(json);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            await("requests on v1", () -> seen.containsKey(v1) && seen.get(v1).get() >= 10);
            String v2 = publishTrained(root, tmp, 2, 9);
            expected.put(v2, inProcess(root.resolve(v2), imps));
            String v3 = publishTrained(root, tmp, 3, 15);
            expected.put(v3, inProcess(root.resolve(v3), imps));
            await("serving v3", () -> v3.equals(server.version()));
            await("requests on v3", () -> seen.containsKey(v3) && seen.get(v3).get() >= 10);
            stop.set(true);
            for (Future<?> f : running) {
                f.get();
            }
            clients.shutdown();

            assertThat(failures).isEmpty();
            assertThat(expected.get(v1)[0]).isNotEqualTo(expected.get(v3)[0]); // the versions do differ
            for (JsonNode a : answers) {
                String v = a.get("version").asText();
                assertThat(expected).containsKey(v);
                assertThat(ServeFixture.matches(a, expected.get(v))).as("predictions match %s", v).isTrue();
            }
            assertThat(server.metricsText()).contains("counterflow_serve_refused_versions_total 0");
        }
    }

    @Test
    void corruptAndTruncatedVersionsAreRefusedOnceAndThePreviousKeepsServing() throws Exception {
        Path root = root();
        String v1 = publishTrained(root, tmp, 1, 2);
        Impression[] imps = impressions(8, 3);
        float[][] v1Scores = inProcess(root.resolve(v1), imps);
        try (ModelServer server = ServeFixture.server(root)) {
            await("serving v1", () -> v1.equals(server.version()));

            // a weights file with flipped bytes: the checksum does not match
            Path staging = ServeFixture.snapshot(tmp.resolve("staging-2"), 4);
            ServeFixture.corrupt(staging.resolve("tensors/embedding.f32"), 17);
            String v2 = ServeFixture.publish(root, 2, 4, staging);
            await("v2 refused", () -> server.refused().contains(v2));
            assertThat(server.version()).isEqualTo(v1);
            assertThat(server.metricsText()).contains("counterflow_serve_refused_versions_total 1");

            // a truncated version: the manifest only
            Path truncated = Files.createDirectories(tmp.resolve("staging-3"));
            Files.copy(ServeFixture.snapshot(tmp.resolve("full-3"), 5).resolve("manifest.json"),
                    truncated.resolve("manifest.json"));
            String v3 = ServeFixture.publish(root, 3, 5, truncated);
            await("v3 refused", () -> server.refused().contains(v3));
            assertThat(server.version()).isEqualTo(v1);

            // LATEST still names v3: later checks do not load it again
            for (int i = 0; i < 5; i++) {
                server.check();
            }
            assertThat(server.metricsText()).contains("counterflow_serve_refused_versions_total 2");
            ServeFixture.Reply r = post(server.port(), "/v1/score", body(imps));
            assertThat(r.status).isEqualTo(200);
            assertThat(r.json().get("version").asText()).isEqualTo(v1);
            assertPredictions(r.json(), imps, v1Scores);
            assertThat(get(server.port(), "/v1/model").json().get("refused").toString()).contains(v2, v3);

            // a good version after them is served
            String v4 = publishTrained(root, tmp, 4, 6);
            await("serving v4", () -> v4.equals(server.version()));
        }
    }

    @Test
    void rollbackPinsANamedVersionUntilUnpinned() throws Exception {
        Path root = root();
        String v1 = publishTrained(root, tmp, 1, 2);
        String v2 = publishTrained(root, tmp, 2, 5);
        Impression[] imps = impressions(6, 2);
        try (ModelServer server = ServeFixture.server(root)) {
            await("serving v2", () -> v2.equals(server.version()));
            ServeFixture.Reply r = post(server.port(), "/v1/rollback", "{\"version\":\"" + v1 + "\"}");
            assertThat(r.status).as(r.body).isEqualTo(200);
            assertThat(r.json().get("version").asText()).isEqualTo(v1);
            assertThat(r.json().get("pinned").asBoolean()).isTrue();
            assertPredictions(post(server.port(), "/v1/score", body(imps)).json(), imps,
                    inProcess(root.resolve(v1), imps));

            String v3 = publishTrained(root, tmp, 3, 7);
            server.check();
            assertThat(server.version()).isEqualTo(v1); // pinned: LATEST is ignored
            assertThat(server.metricsText()).contains("version=\"" + v1 + "\",pinned=\"true\"");

            assertThat(post(server.port(), "/v1/rollback", "{\"version\":\"v-9-9\"}").status).isEqualTo(404);
            assertThat(post(server.port(), "/v1/rollback", "{\"version\":\"../x\"}").status).isEqualTo(400);
            assertThat(post(server.port(), "/v1/rollback", "{\"v\":1}").status).isEqualTo(400);
            assertThat(server.version()).isEqualTo(v1);

            r = post(server.port(), "/v1/unpin", "");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.json().get("version").asText()).isEqualTo(v3);
            assertThat(r.json().get("pinned").asBoolean()).isFalse();
        }
    }

    @Test
    void badRequestsGet4xxWithAReasonAndTheServerGoesOn() throws Exception {
        Path root = root();
        publishTrained(root, tmp, 1, 2);
        String longId = "x".repeat(257);
        StringBuilder over = new StringBuilder("[");
        for (int i = 0; i < 65; i++) {
            over.append(i == 0 ? "" : ",").append("{\"id\":\"i").append(i).append("\",\"features\":{}}");
        }
        Object[][] cases = {
            {"POST", "/v1/score", "[{\"id\":\"a\",\"features\":{}", 400, "not valid JSON"},
            {"POST", "/v1/score", "not json", 400, "not valid JSON"},
            {"POST", "/v1/score", "[] []", 400, "content after the array"},
            {"POST", "/v1/score", "{\"id\":\"a\"}", 400, "must be a JSON array"},
            {"POST", "/v1/score", "[1]", 400, "[0]: not an object"},
            {"POST", "/v1/score", "[{\"features\":{}}]", 400, "[0].id: missing"},
            {"POST", "/v1/score", "[{\"id\":7,\"features\":{}}]", 400, "[0].id: not a string"},
            {"POST", "/v1/score", "[{\"id\":\"\",\"features\":{}}]", 400, "[0].id: empty"},
            {"POST", "/v1/score", "[{\"id\":\"" + longId + "\",\"features\":{}}]", 400, "longer than 256"},
            {"POST", "/v1/score", "[{\"id\":\"a\"}]", 400, "[0].features: missing"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"features\":[]}]", 400, "[0].features: not an object"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"ts\":\"1\",\"features\":{}}]", 400, "[0].ts: not a number"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"ts\":1.5,\"features\":{}}]", 400, "not an integral int64"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"features\":{}},{\"id\":\"b\",\"features\":{\"p\":NaN}}]", 400,
                "[1].features.p: not a finite number"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"features\":{\"p\":1e999}}]", 400, "not a finite number"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"features\":{\"p\":true}}]", 400, "not a string, an array"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"features\":{\"h\":[\"x\",2]}}]", 400, "not a string"},
            {"POST", "/v1/score", over + "]", 413, "more than 64 impressions"},
            {"POST", "/v1/score", "[{\"id\":\"a\",\"features\":{\"s\":\"" + "y".repeat(20_000) + "\"}}]", 413,
                "over the limit of 16384"},
            {"GET", "/v1/score", null, 405, "use POST"},
            {"DELETE", "/v1/model", null, 405, "use GET"},
            {"GET", "/v2/score", null, 404, "no such endpoint"},
            {"POST", "/v1/rollback", "{", 400, "not valid JSON"},
        };
        try (ModelServer server = ServeFixture.server(root)) {
            await("serving", () -> server.version() != null);
            for (Object[] c : cases) {
                ServeFixture.Reply r = ServeFixture.send(server.port(), (String) c[0], (String) c[1], (String) c[2]);
                String what = c[0] + " " + c[1] + " " + (c[2] == null ? "" : ((String) c[2]).substring(0,
                        Math.min(60, ((String) c[2]).length())));
                assertThat(r.status).as(what + " -> " + r).isEqualTo(c[3]);
                assertThat(r.json().get("error").asText()).as(what).contains((String) c[4]);
            }
            // a huge declared body is refused from its headers alone (the client sends none of it)
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000000000\r\n\r\n[").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                // read up to the end of the JSON body: the server then closes the connection, and stops reading
                // what the client would still send once that is done (the JDK server drains at most 64 KiB)
                StringBuilder reply = new StringBuilder();
                while (reply.length() == 0 || reply.charAt(reply.length() - 1) != '}') {
                    int ch = in.read();
                    if (ch < 0) {
                        break;
                    }
                    reply.append((char) ch);
                }
                assertThat(reply.toString()).startsWith("HTTP/1.1 413").contains("over the limit of 16384");
            }
            assertThat(get(server.port(), "/healthz").status).isEqualTo(200);
            assertThat(post(server.port(), "/v1/score", body(impressions(3, 1))).status).isEqualTo(200);
            String metrics = server.metricsText();
            assertThat(metrics).contains("counterflow_serve_errors_total{kind=\"bad_json\"} 4")
                    .contains("counterflow_serve_errors_total{kind=\"batch_too_large\"} 1")
                    .contains("counterflow_serve_errors_total{kind=\"body_too_large\"} 2")
                    .contains("counterflow_serve_errors_total{kind=\"id_too_long\"} 1")
                    .contains("counterflow_serve_errors_total{kind=\"non_finite\"} 2")
                    .doesNotContain("kind=\"internal\"").doesNotContain("kind=\"connection\"");
        }
    }
}
