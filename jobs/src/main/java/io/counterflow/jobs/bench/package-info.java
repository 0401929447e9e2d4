/**
 * Performance tools: {@code TrainStepBenchmark} (JMH: samples/s of one training step, and of parse + encode +
 * step), {@code BenchMain} (runs it with sensible defaults; {@code bin/counterflow bench}), {@code StepProfile}
 * (where the time of a step goes, per phase and per kernel, through the model-state {@code TimingBackend} decorator),
 * {@code BenchData} (the benchmark model and its synthetic samples) and {@code ServeLoad} (the load client of
 * {@code bench/serve-load}: HTTP requests/s and latency of {@code counterflow serve} while versions swap). They live
 * in the jobs module so that the shaded jar carries them with {@code META-INF/BenchmarkList}.
 */
package io.counterflow.jobs.bench;
