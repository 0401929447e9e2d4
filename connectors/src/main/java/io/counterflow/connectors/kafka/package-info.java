/**
 * Kafka in and out: the three event sources with never-throwing deserialization and per-source watermarks
 * ({@link io.counterflow.connectors.kafka.CounterflowKafkaSources}, {@link
 * io.counterflow.connectors.kafka.EventDeserializers}, {@link io.counterflow.connectors.kafka.Parsed}, {@link
 * io.counterflow.connectors.kafka.DeadLetterSplitter}), the dead-letter sink ({@link
 * io.counterflow.connectors.kafka.DeadLetterSink}, exactly-once when the job checkpoints exactly-once) and its
 * versioned record format ({@link io.counterflow.connectors.kafka.DeadLetterJson}), and a real in-process KRaft
 * broker for tests and the demo ({@link io.counterflow.connectors.kafka.EmbeddedKafkaBroker}).
 *
 * <p>Every setting is a {@code Setting} declared once ({@code CounterflowKafkaSources.SETTINGS}, {@code
 * DeadLetterSink.SETTINGS}); both read a Flink configuration with {@code fromConfig}. The rules for bad input
 * (size limit, far-future timestamps, the dead-letter record and its reasons) are in docs/dead-letters.md.
 */
package io.counterflow.connectors.kafka;
