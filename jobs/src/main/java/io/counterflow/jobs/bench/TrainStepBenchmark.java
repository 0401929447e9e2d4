package io.counterflow.jobs.bench;

import io.counterflow.model.backend.Backend;
import io.counterflow.model.backend.Backends;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.feature.BatchEncoder;
import io.counterflow.model.feature.EncodedBatch;
import io.counterflow.model.io.BadInputException;
import io.counterflow.model.io.EventCodec;
import io.counterflow.model.nn.CvrModel;
import io.counterflow.model.objective.LossTerms;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of training, in samples per second (one invocation = one batch of {@link #batchSize} samples;
 * {@link BenchMain} sets JMH's operations per invocation to the batch size, default {@link BenchData#BATCH}): {@link #trainStep} is forward + objective + backward + update on batches encoded beforehand;
 * {@link #parseEncodeTrain} adds what the training job does before that (JSON lines → {@link
 * EventCodec#parseSample} → {@link BatchEncoder#encode}). Batches cycle through {@value #DISTINCT_BATCHES}
 * distinct ones so that the embedding rows a step touches vary as in real data. One thread; OpenBLAS is
 * single-threaded by construction.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(BenchData.BATCH)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class TrainStepBenchmark {
    static final int DISTINCT_BATCHES = 8;

    @Param({"naive", "mtl-imp", "esmm", "mtl-ips", "mtl-dr", "mtl-eib", "escm2-ips", "escm2-dr", "dcmt", "dcmt-pd",
        "dcmt-cf"})
    public String objective;

    @Param({"openblas", "java"})
    public String backend;

    @Param({"shared-bottom"})
    public String extractor;

    /** bench (the synthetic schema above) or demo (the demo's world and model; see {@link BenchData}). */
    @Param({"bench"})
    public String data;

    /** Samples per step; must equal the run's operations per invocation for samples/s (BenchMain sees to it). */
    @Param({"" + BenchData.BATCH})
    public int batchSize;

    private Backend be;
    private CvrModel model;
    private BatchEncoder encoder;
    private EncodedBatch[] batches;
    private byte[][] lines;
    private EventCodec codec;
    private LabeledSample[] parsed;
    private EncodedBatch scratch;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        var settings = BenchData.settings(data, objective, extractor);
        be = Backends.create(backend);
        LabeledSample[] samples = BenchData.samples(data, DISTINCT_BATCHES * batchSize, 1);
        model = new CvrModel(settings, BenchData.space(data, settings, samples, batchSize), be, batchSize);
        encoder = new BatchEncoder(model.featureSpace());
        batches = new EncodedBatch[DISTINCT_BATCHES];
        for (int i = 0; i < DISTINCT_BATCHES; i++) {
            batches[i] = encoder.newBatch(batchSize);
            encoder.encode(samples, i * batchSize, batchSize, batches[i], true);
        }
        lines = BenchData.jsonLines(samples);
        codec = new EventCodec();
        parsed = new LabeledSample[batchSize];
        scratch = encoder.newBatch(batchSize);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (model.skippedBatches() > 0) {
            throw new IllegalStateException(model.skippedBatches() + " batches skipped: non-finite loss");
        }
        model.close();
        be.close();
    }

    /** One training step on a pre-encoded batch. */
    @Benchmark
    public double trainStep() {
        EncodedBatch b = batches[next];
        next = (next + 1) % DISTINCT_BATCHES;
        LossTerms loss = model.trainStep(b);
        return loss.total;
    }

    /** Parse a batch of JSON lines, encode them, and take one training step. */
    @Benchmark
    public double parseEncodeTrain() throws BadInputException {
        int base = next * batchSize;
        next = (next + 1) % DISTINCT_BATCHES;
        for (int i = 0; i < batchSize; i++) {
            parsed[i] = codec.parseSample(lines[base + i]);
        }
        encoder.encode(parsed, 0, batchSize, scratch, true);
        return model.trainStep(scratch).total;
    }
}
