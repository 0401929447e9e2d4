package io.counterflow.operators.join;

import io.counterflow.model.data.Impression;
import io.counterflow.model.data.LabeledSample;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * What the join knows about one impression id once its impression has arrived: the impression (until final),
 * its accepted click and conversion, whether the final sample was emitted, and the event time of the key's one
 * lifecycle timer. A Flink POJO kept in keyed {@code ValueState}.
 *
 * <p>Two phases: OPEN ({@code emitted == false}; {@link #impression} set; the timer is the labeling policy's
 * deadline) and TOMBSTONE ({@code emitted == true}; {@link #impression} dropped, only a few longs remain, so that
 * late events can be told from unknown ones; the timer is the tombstone's expiry, after which the state is
 * cleared). {@link LabelingPolicy} implementations read it and must not mutate it.
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

    /** The final sample was emitted; this state is a tombstone. */
    public boolean emitted;
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

    /** The sample for the current labels, with the impression's features and truth. Only while OPEN. */
    public LabeledSample toSample() {
        if (impression == null) {
            throw new IllegalStateException("the impression of a final label is no longer kept");
        }
        return new LabeledSample(impression.id, impression.ts, clickLabel(), conversionLabel(),
                impression.features, impression.truth);
    }

    @Override
    public String toString() {
        return "LabelState{impTs=" + impressionTs + ", clicked=" + clicked + (clicked ? "@" + clickTs : "")
                + ", converted=" + converted + (converted ? "@" + conversionTs : "") + ", emitted=" + emitted
                + ", timerAt=" + timerAt + "}";
    }
}
