package io.counterflow.operators.batch;

import io.counterflow.operators.join.Setting;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

import java.io.Serializable;
import java.time.Duration;

/** The mini-batcher's settings, each declared once below; immutable and validated on construction. */
public final class MiniBatchSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** B: a batch is emitted as soon as this many samples are buffered. */
    public static final Setting<Integer> BATCH_SIZE = Setting.of(
            ConfigOptions.key("counterflow.batch.size").intType().defaultValue(256)
                    .withDescription("Samples per mini-batch: a batch is emitted as soon as this many are"
                            + " buffered (per parallel instance)."),
            "between 1 and 1000000", n -> n >= 1 && n <= 1_000_000);

    /** Longest a buffered sample waits, in processing time, before a (smaller) batch is emitted. */
    public static final Setting<Duration> MAX_DELAY = Setting.of(
            ConfigOptions.key("counterflow.batch.max-delay").durationType().defaultValue(Duration.ofSeconds(1))
                    .withDescription("A batch is emitted at the latest this long (processing time) after its"
                            + " first sample was buffered, even if it has fewer than counterflow.batch.size"
                            + " samples."),
            "positive", d -> !d.isNegative() && !d.isZero());

    private final int batchSize;
    private final long maxDelayMs;

    public MiniBatchSettings(int batchSize, Duration maxDelay) {
        this.batchSize = BATCH_SIZE.check(batchSize);
        this.maxDelayMs = MAX_DELAY.check(maxDelay).toMillis();
    }

    public static MiniBatchSettings defaults() {
        return new MiniBatchSettings(BATCH_SIZE.defaultValue(), MAX_DELAY.defaultValue());
    }

    public static MiniBatchSettings fromConfig(ReadableConfig config) {
        return new MiniBatchSettings(config.get(BATCH_SIZE.option()), config.get(MAX_DELAY.option()));
    }

    public int batchSize() {
        return batchSize;
    }

    public long maxDelayMs() {
        return maxDelayMs;
    }

    @Override
    public String toString() {
        return "MiniBatchSettings{batchSize=" + batchSize + ", maxDelayMs=" + maxDelayMs + "}";
    }
}
