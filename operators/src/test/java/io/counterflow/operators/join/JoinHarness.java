package io.counterflow.operators.join;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Fluent wrapper around {@code KeyedOneInputStreamOperatorTestHarness<String, JoinEvent, LabeledSample>}: feed
 * events and watermarks, read samples and dead letters, snapshot and restore. Generic types are disabled, so
 * any Kryo fallback fails the test.
 */
final class JoinHarness implements AutoCloseable {
    static final long T0 = 1_700_000_000_000L;
    static final long SEC = 1_000L;
    static final long MIN = 60 * SEC;
    static final long HOUR = 60 * MIN;
    static final long DAY = 24 * HOUR;

    final LabelJoinSettings settings;
    final LabelJoinOperator operator;
    final KeyedOneInputStreamOperatorTestHarness<String, JoinEvent, LabeledSample> harness;

    private JoinHarness(LabelJoinSettings settings, OperatorSubtaskState restoreFrom) throws Exception {
        this.settings = settings;
        this.operator = new LabelJoinOperator(settings, LabelingPolicy.emitWhenFinal());
        this.harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, new JoinEvent.ByImpressionId(),
                Types.STRING);
        harness.getExecutionConfig().disableGenericTypes();
        harness.setup(LabelJoinOperator.SAMPLE_TYPE.createSerializer(harness.getExecutionConfig()));
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
    }

    static JoinHarness open() throws Exception {
        return new JoinHarness(LabelJoinSettings.defaults(), null);
    }

    static JoinHarness open(LabelJoinSettings settings) throws Exception {
        return new JoinHarness(settings, null);
    }

    static Impression impressionOf(String id, long ts) {
        Features f = new Features(new String[] {"user_id", "item_id"}, new String[] {"u-" + id, "i9"},
                new String[] {"hist_cats"}, new String[][] {{"c1", "c9"}}, new String[] {"price"},
                new double[] {12.5});
        return new Impression(id, ts, f, new Truth(0.03, 0.1));
    }

    static LabeledSample sample(String id, long ts, int click, int conversion) {
        Impression i = impressionOf(id, ts);
        return new LabeledSample(id, ts, click, conversion, i.features, i.truth);
    }

    JoinHarness impression(String id, long ts) throws Exception {
        return send(JoinEvent.of(impressionOf(id, ts)));
    }

    JoinHarness click(String id, long ts) throws Exception {
        return send(JoinEvent.of(new Click(id, ts)));
    }

    JoinHarness conversion(String id, long ts) throws Exception {
        return send(JoinEvent.of(new Conversion(id, ts)));
    }

    JoinHarness send(JoinEvent e) throws Exception {
        harness.processElement(new StreamRecord<>(e, e.ts()));
        return this;
    }

    JoinHarness watermark(long ts) throws Exception {
        harness.processWatermark(ts);
        return this;
    }

    /** Samples emitted so far, in order. */
    List<LabeledSample> samples() {
        return harness.extractOutputValues();
    }

    List<DeadLetter> deadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        var queue = harness.getSideOutput(LabelJoinOperator.DEAD_LETTERS);
        if (queue != null) {
            for (StreamRecord<DeadLetter> r : queue) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    /** Dead letters as {@code "REASON <original>"}, in order. */
    List<String> rejected() {
        List<String> out = new ArrayList<>();
        for (DeadLetter d : deadLetters()) {
            out.add(d.reason + " " + new String(d.original, StandardCharsets.UTF_8));
        }
        return out;
    }

    List<BadInputReason> reasons() {
        List<BadInputReason> out = new ArrayList<>();
        for (DeadLetter d : deadLetters()) {
            out.add(d.reason);
        }
        return out;
    }

    int keyedStateEntries() {
        return harness.numKeyedStateEntries();
    }

    int eventTimeTimers() {
        return harness.numEventTimeTimers();
    }

    LabelJoinOperator.Metrics metrics() {
        return operator.metrics();
    }

    OperatorSubtaskState snapshot(long checkpointId) throws Exception {
        return harness.snapshot(checkpointId, checkpointId);
    }

    /** A fresh operator and harness initialised from {@code snapshot}; the caller closes this one. */
    JoinHarness restoreInto(OperatorSubtaskState snapshot) throws Exception {
        return new JoinHarness(settings, snapshot);
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
