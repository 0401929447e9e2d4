/**
 * Kafka in and out: the three event sources with never-throwing deserialization and per-source watermarks
 * ({@link io.counterflow.connectors.kafka.CounterflowKafkaSources}, {@link
 * io.counterflow.connectors.kafka.EventDeserializers}, {@link io.counterflow.connectors.kafka.Parsed}, {@link
 * io.counterflow.connectors.kafka.DeadLetterSplitter}), the dead-letter sink ({@link
 * io.counterflow.connectors.kafka.DeadLetterSink}, {@link io.counterflow.connectors.kafka.DeadLetterJson}), and
 * a real in-process KRaft broker for tests and the demo ({@link io.counterflow.connectors.kafka.EmbeddedKafkaBroker}).
 */
package io.counterflow.connectors.kafka;
