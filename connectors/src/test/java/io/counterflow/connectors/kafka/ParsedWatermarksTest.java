package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.DeadLetter;

import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Only parsed events move a source's watermark: dead letters (a far-future one included) never do. */
class ParsedWatermarksTest {

    @Test
    void deadLettersNeverAdvanceTheWatermark() {
        ParsedWatermarks.EventsOnly<Click> g = new ParsedWatermarks.EventsOnly<>(
                new BoundedOutOfOrdernessWatermarks<>(Duration.ofMinutes(1)));
        List<Long> marks = new ArrayList<>();
        WatermarkOutput out = new WatermarkOutput() {
            @Override
            public void emitWatermark(Watermark w) {
                marks.add(w.getTimestamp());
            }

            @Override
            public void markIdle() {}

            @Override
            public void markActive() {}
        };
        long t = 1_700_000_000_000L;
        g.onEvent(Parsed.ok(new Click("a", t)), t, out);
        g.onEvent(Parsed.bad(new DeadLetter("clicks", 0, 1, BadInputReason.FUTURE_TIMESTAMP, "far", null)),
                Long.MAX_VALUE, out);
        g.onPeriodicEmit(out);
        assertThat(marks).containsExactly(t - 60_000 - 1);
    }
}
