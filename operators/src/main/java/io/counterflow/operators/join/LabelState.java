package io.counterflow.operators.join;

import io.counterflow.model.data.Emission;
import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * What the join knows about one impression id once its impression has arrived: the impression (until final),
 * its accepted click and conversion, what the labeling policy has emitted so far, whether the key is final, and
 * the event time of the key's one lifecycle timer. A Flink POJO kept in keyed {@code ValueState}.
 *
 * <p>Two phases: OPEN ({@code emitted == false}; {@link #impression} set; the timer is the labeling policy's
 * deadline; a delayed-feedback policy may already have emitted rows) and TOMBSTONE ({@code emitted == true};
 * {@link #impression} dropped, only a few longs remain, so that late events can be told from unknown ones; the
 * timer is the tombstone's expiry, after which the state is cleared). {@link LabelingPolicy} implementations read
 * it and must not mutate it; the operator maintains {@link #emissions} and {@link #conversionEmitted} from the
 * rows a policy emits, after each call.
 *
 * <p>Schema evolution: {@link #emissions} and {@link #conversionEmitted} were added after v1 (golden snapshots in
 * {@code src/test/resources/golden/}); state restored from v1 gets their defaults (0, false), which are right
 * for every v1 key (v1 emitted only the final row, after which the key is a tombstone). Only add fields (with a
 * default that is right for old state); never rename or retype one.
 */
public final class LabelState {
    /** Explicit type information; a {@code PojoTypeInfo}, never a generic type. */
    public static final TypeInformation<LabelState> TYPE_INFO = Types.POJO(LabelState.class);

    /** The impression while OPEN; {@code null} once the final sample was emitted (features are not kept). */
    public Impression impression;

    public long impressionTs;
    public boolean clicked;
    /** Event time of the accepted click; meaningful only when {@link #clicked}. */
    public long clickTs;

    public boolean converted;
    /** Event time of the accepted conversion; meaningful only when {@link #converted}. */
    public long conversionTs;

    /** The key is final: its last row was emitted and this state is a tombstone (named when there was one row). */
    public boolean emitted;
    /** Rows the labeling policy emitted for this key so far (maintained by the operator). Since v2. */
    public int emissions;
    /** A row with conversion = 1 was emitted for this key (maintained by the operator). Since v2. */
    public boolean conversionEmitted;
    /** Event time of the single registered lifecycle timer of this key. */
    public long timerAt;

    public LabelState() {}

    static LabelState open(Impression impression) {
        LabelState s = new LabelState();
        s.impression = impression;
        s.impressionTs = impression.ts;
        return s;
    }

    /** Click label: 1 when a click inside the click window was accepted. */
    public int clickLabel() {
        return clicked ? 1 : 0;
    }

    /** Conversion label: 1 when a conversion inside the attribution window of the accepted click was accepted. */
    public int conversionLabel() {
        return converted ? 1 : 0;
    }

    /** The {@link Emission#FINAL} row for the current labels. Only while OPEN. */
    public LabeledSample toSample() {
        return toSample(Emission.FINAL, converted);
    }

    /**
     * A row of kind {@code emission} with the impression's features and truth, the click label and {@code
     * clickTs} (0 when unclicked), and conversion 1 with {@code conversionTs} if {@code withConversion}, else
     * conversion 0 and {@code conversionTs} 0 (a conversion the policy does not report yet). Only while OPEN.
     */
    public LabeledSample toSample(Emission emission, boolean withConversion) {
        if (impression == null) {
            throw new IllegalStateException("the impression of a final label is no longer kept");
        }
        if (withConversion && !converted) {
            throw new IllegalArgumentException("no accepted conversion to report: " + this);
        }
        LabeledSample s = new LabeledSample(impression.id, impression.ts, clickLabel(), withConversion ? 1 : 0,
                impression.features, impression.truth);
        s.emission = emission;
        s.clickTs = clicked ? clickTs : 0L;
        s.conversionTs = withConversion ? conversionTs : 0L;
        return s;
    }

    @Override
    public String toString() {
        return "LabelState{impTs=" + impressionTs + ", clicked=" + clicked + (clicked ? "@" + clickTs : "")
                + ", converted=" + converted + (converted ? "@" + conversionTs : "") + ", emissions=" + emissions
                + (conversionEmitted ? "(with conversion)" : "") + ", emitted=" + emitted + ", timerAt=" + timerAt
                + "}";
    }
}
