package io.counterflow.operators.batch;

import io.counterflow.model.settings.Setting;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

import java.io.Serializable;
import java.time.Duration;

/**
 * The mini-batcher's settings, each declared once below; immutable and validated on construction. The mixing
 * buffer and the rule for drawing batches from it are described in {@link MiniBatcher} and docs/batching.md.
 */
public final class MiniBatchSettings implements Serializable {
    private static final long serialVersionUID = 2L;

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
                            + " samples. With a mixing buffer: while samples are buffered, at least one batch"
                            + " (of at most counterflow.batch.size samples) is emitted per max-delay."),
            "positive", d -> !d.isNegative() && !d.isZero());

    /**
     * M: the mixing buffer holds up to this many samples and each batch is a uniform draw from it; 0: off. Off by
     * default: a buffer helps only when it is several times larger than the bursts it must dilute (see {@link
     * MiniBatcher} and docs/batching.md), and that size depends on the traffic and the label delay.
     */
    public static final Setting<Integer> MIXING_BUFFER = Setting.of(
            ConfigOptions.key("counterflow.batch.mixing-buffer").intType().defaultValue(0)
                    .withDescription("Size in samples of the mixing (shuffle) buffer: the batcher keeps up to this"
                            + " many samples and emits batches drawn uniformly at random from them once it is full"
                            + " (or at a max-delay flush or end of input), so a burst of samples of one label kind"
                            + " (watermark jumps, end of input) is spread over later batches. Size it to several"
                            + " times the bursts, e.g. the samples that arrive during the attribution window minus"
                            + " the click window. 0 (default) disables it: batches in arrival order. Otherwise at"
                            + " least counterflow.batch.size."),
            "between 0 and " + (1 << 24), n -> n >= 0 && n <= 1 << 24);

    /** Seed of the mixing draws; each parallel instance derives its own stream from it and its subtask index. */
    public static final Setting<Long> MIXING_SEED = Setting.of(
            ConfigOptions.key("counterflow.batch.mixing-seed").longType().defaultValue(0L)
                    .withDescription("Seed of the mixing buffer's random draws (per parallel instance: mixed with"
                            + " the subtask index). The generator's state is checkpointed, so a job restored at"
                            + " the same parallelism draws the same batches as an uninterrupted run."),
            "any long", s -> true);

    /** Every setting of the mini-batcher, in documentation order. */
    public static final java.util.List<Setting<?>> SETTINGS = java.util.List.of(BATCH_SIZE, MAX_DELAY, MIXING_BUFFER, MIXING_SEED);

    private final int batchSize;
    private final long maxDelayMs;
    private final int mixingBuffer;
    private final long mixingSeed;

    /** Batch size and max delay; the mixing buffer and its seed at their defaults. */
    public MiniBatchSettings(int batchSize, Duration maxDelay) {
        this(batchSize, maxDelay, MIXING_BUFFER.defaultValue(), MIXING_SEED.defaultValue());
    }

    /** All settings; {@code mixingBuffer} in samples, 0 (no mixing) or at least {@code batchSize}. */
    public MiniBatchSettings(int batchSize, Duration maxDelay, int mixingBuffer, long mixingSeed) {
        this.batchSize = BATCH_SIZE.check(batchSize);
        this.maxDelayMs = MAX_DELAY.check(maxDelay).toMillis();
        this.mixingBuffer = MIXING_BUFFER.check(mixingBuffer);
        this.mixingSeed = MIXING_SEED.check(mixingSeed);
        if (mixingBuffer != 0 && mixingBuffer < batchSize) {
            throw new IllegalArgumentException(MIXING_BUFFER.key() + " must be 0 or at least " + BATCH_SIZE.key()
                    + " (" + batchSize + ") (got " + mixingBuffer + ")");
        }
    }

    public static MiniBatchSettings defaults() {
        return new MiniBatchSettings(BATCH_SIZE.defaultValue(), MAX_DELAY.defaultValue());
    }

    public static MiniBatchSettings fromConfig(ReadableConfig config) {
        return new MiniBatchSettings(config.get(BATCH_SIZE.option()), config.get(MAX_DELAY.option()),
                config.get(MIXING_BUFFER.option()), config.get(MIXING_SEED.option()));
    }

    public int batchSize() {
        return batchSize;
    }

    public long maxDelayMs() {
        return maxDelayMs;
    }

    /** M, the number of buffered samples at which a mixed batch is drawn; 0 when mixing is off. */
    public int mixingBuffer() {
        return mixingBuffer;
    }

    public boolean mixing() {
        return mixingBuffer > 0;
    }

    public long mixingSeed() {
        return mixingSeed;
    }

    @Override
    public String toString() {
        return "MiniBatchSettings{batchSize=" + batchSize + ", maxDelayMs=" + maxDelayMs + ", mixingBuffer="
                + mixingBuffer + ", mixingSeed=" + mixingSeed + "}";
    }
}
