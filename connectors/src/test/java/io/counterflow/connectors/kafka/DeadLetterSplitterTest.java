package io.counterflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.DeadLetter;

import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** {@link DeadLetterSplitter}: events to the main output, dead letters to the side output, counted by reason. */
class DeadLetterSplitterTest {

    @Test
    void splitsAndCounts() throws Exception {
        DeadLetterSplitter<Click> splitter = new DeadLetterSplitter<>();
        try (OneInputStreamOperatorTestHarness<Parsed<Click>, Click> h =
                new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(splitter))) {
            h.getExecutionConfig().disableGenericTypes();
            h.open();
            h.processElement(Parsed.ok(new Click("a", 1)), 1);
            h.processElement(Parsed.bad(new DeadLetter("clicks", 0, 5, BadInputReason.MISSING_TS, "ts", null)), 2);
            h.processElement(Parsed.bad(new DeadLetter("clicks", 0, 6, BadInputReason.MISSING_TS, "ts", null)), 3);
            assertThat(h.extractOutputValues()).containsExactly(new Click("a", 1));
            List<Long> offsets = new ArrayList<>();
            for (StreamRecord<DeadLetter> r : h.getSideOutput(DeadLetterSplitter.DEAD_LETTERS)) {
                offsets.add(r.getValue().offset);
            }
            assertThat(offsets).containsExactly(5L, 6L);
            assertThat(splitter.deadLetterCount(BadInputReason.MISSING_TS)).isEqualTo(2);
            assertThat(splitter.deadLetterCount(BadInputReason.INVALID_JSON)).isZero();
        }
    }
}
