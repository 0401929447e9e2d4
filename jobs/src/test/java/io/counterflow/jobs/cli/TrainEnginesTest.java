package io.counterflow.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.counterflow.model.sim.Generator;
import io.counterflow.model.sim.GeneratorConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Offline training through the streaming job's operators ({@code --engine flink}: mini-batcher and training
 * operator on a local Flink environment) gives the same model, bit for bit, as the direct loop over one pass: one
 * code path. (Over several epochs the Flink engine batches across epoch boundaries and keeps updating the numeric
 * statistics, so its models differ slightly from the direct loop there.)
 */
class TrainEnginesTest {
    @TempDir Path tmp;

    private Path train(String engine, Path samples) {
        Path out = tmp.resolve("model-" + engine);
        int rc = new CommandLine(new CounterflowCli()).execute("train", "--engine", engine, "--samples",
                samples.toString(), "--objective", "escm2-dr", "--backend", "java", "--towers", "16,8", "--buckets",
                "4096", "--batch-size", "128", "--epochs", "1", "--model-out", out.toString());
        assertThat(rc).isZero();
        return out;
    }

    @Test
    void flinkEngineTrainsTheSameModelAsTheDirectLoop() throws Exception {
        new Generator(GeneratorConfig.builder().impressions(3000).seed(5).build()).writeTo(tmp.resolve("data"));
        Path samples = tmp.resolve("data/samples.jsonl");
        ObjectMapper json = new ObjectMapper();
        JsonNode direct = json.readTree(train("direct", samples).resolve("manifest.json").toFile());
        JsonNode flink = json.readTree(train("flink", samples).resolve("manifest.json").toFile());
        assertThat(flink.at("/counters/trained_samples").asLong()).isEqualTo(3000);
        assertThat(flink.at("/counters/step")).isEqualTo(direct.at("/counters/step"));
        assertThat(flink.get("tensors")).hasSize(direct.get("tensors").size());
        for (int i = 0; i < direct.get("tensors").size(); i++) {
            assertThat(flink.get("tensors").get(i).get("crc32")).as(direct.get("tensors").get(i).get("name").asText())
                    .isEqualTo(direct.get("tensors").get(i).get("crc32"));
        }
    }
}
