package io.counterflow.connectors.kafka;

import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

import java.time.Duration;

/**
 * Watermarks for a {@link Parsed} stream: event time from the event's {@code ts}, bounded out-of-orderness, and
 * idleness so that a quiet topic (or partition) cannot hold back the join's watermark. Dead letters carry the
 * Kafka record's timestamp and do NOT advance the watermark: a bad record's producer-side timestamp says nothing
 * about event time. Named classes, not lambdas: the strategy is serialized into the job graph.
 */
final class ParsedWatermarks {
    private ParsedWatermarks() {}

    static <T> WatermarkStrategy<Parsed<T>> strategy(EventType type, Duration outOfOrderness, Duration idleness) {
        WatermarkStrategy<Parsed<T>> s = WatermarkStrategy.forGenerator(new Supplier<T>(outOfOrderness));
        return s.withTimestampAssigner(new Timestamps<T>(type)).withIdleness(idleness);
    }

    static final class Timestamps<T> implements SerializableTimestampAssigner<Parsed<T>> {
        private static final long serialVersionUID = 1L;
        private final EventType type;

        Timestamps(EventType type) {
            this.type = type;
        }

        @Override
        public long extractTimestamp(Parsed<T> p, long recordTimestamp) {
            return p.isOk() ? type.ts(p.value) : recordTimestamp;
        }
    }

    static final class Supplier<T> implements WatermarkGeneratorSupplier<Parsed<T>> {
        private static final long serialVersionUID = 1L;
        private final Duration outOfOrderness;

        Supplier(Duration outOfOrderness) {
            this.outOfOrderness = outOfOrderness;
        }

        @Override
        public WatermarkGenerator<Parsed<T>> createWatermarkGenerator(Context context) {
            return new EventsOnly<>(new BoundedOutOfOrdernessWatermarks<>(outOfOrderness));
        }
    }

    /** Feeds only parsed events to the delegate. */
    static final class EventsOnly<T> implements WatermarkGenerator<Parsed<T>> {
        private final WatermarkGenerator<Parsed<T>> delegate;

        EventsOnly(WatermarkGenerator<Parsed<T>> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onEvent(Parsed<T> event, long eventTimestamp, WatermarkOutput output) {
            if (event.isOk()) {
                delegate.onEvent(event, eventTimestamp, output);
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            delegate.onPeriodicEmit(output);
        }
    }
}
