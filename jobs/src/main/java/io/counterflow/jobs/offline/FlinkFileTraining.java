package io.counterflow.jobs.offline;

import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.FeatureSpace;
import io.counterflow.model.io.BadInputReport;
import io.counterflow.model.io.SampleFileReader;
import io.counterflow.model.settings.Settings;
import io.counterflow.operators.batch.MiniBatchSettings;
import io.counterflow.operators.batch.MiniBatcher;
import io.counterflow.model.snapshot.ModelVersion;
import io.counterflow.operators.train.TrainingOperator;
import io.counterflow.operators.train.TrainingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;

/**
 * {@code train --engine flink}: the streaming job's own operators (mini-batcher, training operator) over a
 * bounded file, on a local Flink environment, so that offline and online training share one code path. Batching
 * is by count only (deterministic); the final model is written to the output directory at end of input.
 */
public final class FlinkFileTraining {
    private FlinkFileTraining() {}

    /** Trains and writes the snapshot to modelOut; returns the number of samples read. */
    public static void run(Settings settings, String backend, Path samples, Set<String> numeric, int batchSize,
            int epochs, Path modelOut) throws Exception {
        FeatureSpace fs = new OfflineTrainer(settings, null, batchSize, numeric, System.out).inferSpace(samples);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        env.getConfig().disableGenericTypes();
        DataStream<LabeledSample> stream = env
                .addSource(new FileSamples(samples.toAbsolutePath().toString(), new HashSet<>(numeric), epochs),
                        "samples", TypeInformation.of(LabeledSample.class))
                .uid("samples").name("samples").setParallelism(1);
        TrainingSettings ts = TrainingSettings.builder().backend(backend).batchCapacity(batchSize)
                .categoricalFields(Arrays.asList(fs.catFields)).multiValuedFields(Arrays.asList(fs.multiFields))
                .numericFields(Arrays.asList(fs.numFields)).evalEvery(0).model(settings).build();
        var progress = TrainingOperator.train(MiniBatcher.batch(stream, new MiniBatchSettings(batchSize,
                Duration.ofDays(365))), ts);
        progress.addSink(new DiscardingSink<>()).name("discard");
        progress.getSideOutput(TrainingOperator.MODEL_VERSIONS).sinkTo(new MoveTo(modelOut.toAbsolutePath().toString()))
                .name("model-out").setParallelism(1);
        env.execute("counterflow-train");
        if (!Files.exists(modelOut.resolve("manifest.json"))) {
            throw new IOException("no model was trained (no valid samples in " + samples + "?)");
        }
    }

    /** Reads a samples file epochs times; bad lines are counted and reported at the end. */
    static final class FileSamples extends RichSourceFunction<LabeledSample> {
        private final String file;
        private final HashSet<String> numeric;
        private final int epochs;
        private volatile boolean running = true;

        FileSamples(String file, HashSet<String> numeric, int epochs) {
            this.file = file;
            this.numeric = numeric;
            this.epochs = epochs;
        }

        @Override
        public void run(SourceContext<LabeledSample> ctx) throws Exception {
            for (int e = 0; e < epochs && running; e++) {
                BadInputReport report = new BadInputReport();
                try (SampleFileReader r = SampleFileReader.open(Paths.get(file), numeric, report)) {
                    LabeledSample s;
                    while (running && (s = r.next()) != null) {
                        synchronized (ctx.getCheckpointLock()) {
                            ctx.collect(s);
                        }
                    }
                }
                if (report.bad() > 0) {
                    System.out.println(Paths.get(file).getFileName() + ": " + report.summary());
                }
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    /** Writes the (final) model version into the output directory, replacing an older snapshot there. */
    static final class MoveTo implements org.apache.flink.api.connector.sink2.Sink<ModelVersion> {
        private static final long serialVersionUID = 1L;
        private final String target;

        MoveTo(String target) {
            this.target = target;
        }

        @Override
        @Deprecated
        public org.apache.flink.api.connector.sink2.SinkWriter<ModelVersion> createWriter(InitContext context) {
            return new org.apache.flink.api.connector.sink2.SinkWriter<>() {
                @Override
                public void write(ModelVersion v, Context c) throws IOException {
                    replace(Paths.get(target), v);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }

        static void replace(Path out, ModelVersion v) throws IOException {
            if (Files.exists(out)) {
                if (!Files.exists(out.resolve("manifest.json"))) {
                    throw new IOException(out + " exists and is not a snapshot; refusing to replace it");
                }
                try (var walk = Files.walk(out)) {
                    for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(out.toAbsolutePath().getParent());
            Path tmp = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".model-out-");
            v.writeTo(tmp);
            try {
                Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.move(tmp, out);
            }
        }
    }
}
