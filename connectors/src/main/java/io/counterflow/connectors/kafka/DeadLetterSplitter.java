package io.counterflow.connectors.kafka;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.DeadLetter;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.EnumMap;
import java.util.Map;

/**
 * Splits {@link Parsed} records: events go to the main output, dead letters to {@link #DEAD_LETTERS}. Counts
 * dead letters per reason in the metric group {@code deadLetters.<REASON>} and parsed events in {@code parsed}.
 *
 * @param <T> the event type
 */
public final class DeadLetterSplitter<T> extends ProcessFunction<Parsed<T>, T> {
    private static final long serialVersionUID = 1L;

    /** Side output of records that could not be parsed. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("source-dead-letters", Types.POJO(DeadLetter.class));

    private transient Map<BadInputReason, Counter> deadLetters;
    private transient Counter parsed;

    @Override
    public void open(Configuration parameters) {
        MetricGroup group = getRuntimeContext().getMetricGroup();
        parsed = group.counter("parsed");
        MetricGroup d = group.addGroup("deadLetters");
        deadLetters = new EnumMap<>(BadInputReason.class);
        for (BadInputReason r : BadInputReason.values()) {
            deadLetters.put(r, d.counter(r.name()));
        }
    }

    @Override
    public void processElement(Parsed<T> p, Context ctx, Collector<T> out) {
        if (p.isOk()) {
            parsed.inc();
            out.collect(p.value);
        } else {
            deadLetters.get(p.deadLetter.reason).inc();
            ctx.output(DEAD_LETTERS, p.deadLetter);
        }
    }

    /** Test hook: the count of dead letters with {@code reason} seen by this instance. */
    long deadLetterCount(BadInputReason reason) {
        return deadLetters.get(reason).getCount();
    }

    /** Type information of the side output. */
    public static TypeInformation<DeadLetter> deadLetterType() {
        return DEAD_LETTERS.getTypeInfo();
    }
}
