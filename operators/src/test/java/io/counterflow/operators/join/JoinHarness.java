package io.counterflow.operators.join;

import io.counterflow.model.data.BadInputReason;
import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.DeadLetter;
import io.counterflow.model.data.Emission;
import io.counterflow.model.data.Features;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;
import io.counterflow.model.data.Truth;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
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
    final LabelingPolicy policy;
    /** {@code null}: the harness's default (heap) backend. */
    final StateBackend backend;
    final LabelJoinOperator operator;
    final KeyedOneInputStreamOperatorTestHarness<String, JoinEvent, LabeledSample> harness;

    private JoinHarness(LabelJoinSettings settings, LabelingPolicy policy, StateBackend backend,
            OperatorSubtaskState restoreFrom) throws Exception {
        this.settings = settings;
        this.policy = policy;
        this.backend = backend;
        this.operator = new LabelJoinOperator(settings, policy);
        this.harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, new JoinEvent.ByImpressionId(),
                Types.STRING);
        harness.getExecutionConfig().disableGenericTypes();
        if (backend != null) {
            harness.setStateBackend(backend);
        }
        harness.setup(LabelJoinOperator.SAMPLE_TYPE.createSerializer(harness.getExecutionConfig()));
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
    }

    static JoinHarness open() throws Exception {
        return open(LabelJoinSettings.defaults());
    }

    static JoinHarness open(LabelJoinSettings settings) throws Exception {
        return open(settings, LabelingPolicy.emitWhenFinal());
    }

    static JoinHarness open(LabelJoinSettings settings, LabelingPolicy policy) throws Exception {
        return open(settings, policy, null);
    }

    /** With an explicit state backend ({@code null}: the harness's heap backend). */
    static JoinHarness open(LabelJoinSettings settings, LabelingPolicy policy, StateBackend backend)
            throws Exception {
        return new JoinHarness(settings, policy, backend, null);
    }

    /** A harness initialised from {@code snapshot}, e.g. one read from a golden file. */
    static JoinHarness restore(LabelJoinSettings settings, LabelingPolicy policy, StateBackend backend,
            OperatorSubtaskState snapshot) throws Exception {
        return new JoinHarness(settings, policy, backend, snapshot);
    }

    static Impression impressionOf(String id, long ts) {
        Features f = new Features(new String[] {"user_id", "item_id"}, new String[] {"u-" + id, "i9"},
                new String[] {"hist_cats"}, new String[][] {{"c1", "c9"}}, new String[] {"price"},
                new double[] {12.5});
        return new Impression(id, ts, f, new Truth(0.03, 0.1));
    }

    /** An unclicked impression's FINAL row (0, 0), or a row without click and conversion times. */
    static LabeledSample sample(String id, long ts, int click, int conversion) {
        Impression i = impressionOf(id, ts);
        return new LabeledSample(id, ts, click, conversion, i.features, i.truth);
    }

    /** A FINAL row with its click and conversion times (0: none). */
    static LabeledSample sample(String id, long ts, int click, int conversion, long clickTs, long conversionTs) {
        return row(Emission.FINAL, id, ts, click, conversion, clickTs, conversionTs);
    }

    static LabeledSample row(Emission kind, String id, long ts, int click, int conversion, long clickTs,
            long conversionTs) {
        LabeledSample s = sample(id, ts, click, conversion);
        s.emission = kind;
        s.clickTs = clickTs;
        s.conversionTs = conversionTs;
        return s;
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

    /** Keyed state entries (heap: as the harness counts them; RocksDB: keys of the join's two states). */
    int keyedStateEntries() {
        if (backend == null) {
            return harness.numKeyedStateEntries();
        }
        KeyedStateBackend<Object> keyed = operator.getKeyedStateBackend();
        int n = 0;
        for (String state : new String[] {"label", "early-events"}) {
            try (var keys = keyed.getKeys(state, VoidNamespace.INSTANCE)) {
                n += (int) keys.count();
            }
        }
        return n;
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
        return new JoinHarness(settings, policy, backend, snapshot);
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
