package io.counterflow.operators.join;

import io.counterflow.model.data.Click;
import io.counterflow.model.data.Conversion;
import io.counterflow.model.data.Impression;
import io.counterflow.operators.wire.JoinEventSerializer;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;

import java.util.Objects;

/**
 * Tagged union of the three event types that the label join consumes: exactly one of {@link #impression},
 * {@link #click}, {@link #conversion} is set, and {@link #kind} says which.
 *
 * <p>Why a union and one keyed one-input operator rather than a three-input operator: Flink's keyed co-process
 * API has two inputs only, and the N-ary {@code MultipleInputStreamOperator} API needs a custom operator
 * factory, has no keyed harness with snapshot/restore ergonomics as simple as the one-input one, and gives no
 * ordering benefit (the inputs' watermarks are combined the same way: minimum over inputs). A union of three
 * mapped streams keyed by impression id gives the same semantics with less machinery. A Flink POJO (no Kryo).
 */
public final class JoinEvent {
    /** Which payload field is set. */
    public enum Kind {
        IMPRESSION,
        CLICK,
        CONVERSION
    }

    /**
     * Type information for state (the join's buffered early events): a {@code PojoTypeInfo}, never a generic
     * type. The stream between the sources and the join uses {@link JoinEventSerializer#TYPE_INFO}.
     */
    public static final TypeInformation<JoinEvent> TYPE_INFO = Types.POJO(JoinEvent.class);

    public Kind kind;
    public Impression impression;
    public Click click;
    public Conversion conversion;

    /** For Flink's POJO serializer; use the static factories. */
    public JoinEvent() {}

    public static JoinEvent of(Impression impression) {
        JoinEvent e = new JoinEvent();
        e.kind = Kind.IMPRESSION;
        e.impression = Objects.requireNonNull(impression, "impression");
        return e;
    }

    public static JoinEvent of(Click click) {
        JoinEvent e = new JoinEvent();
        e.kind = Kind.CLICK;
        e.click = Objects.requireNonNull(click, "click");
        return e;
    }

    public static JoinEvent of(Conversion conversion) {
        JoinEvent e = new JoinEvent();
        e.kind = Kind.CONVERSION;
        e.conversion = Objects.requireNonNull(conversion, "conversion");
        return e;
    }

    /** The join key: the impression's id, or the click's/conversion's impression id. */
    public String key() {
        switch (kind) {
            case IMPRESSION:
                return impression.id;
            case CLICK:
                return click.impressionId;
            case CONVERSION:
                return conversion.impressionId;
            default:
                throw new IllegalStateException("unknown kind " + kind);
        }
    }

    /** Event time of the payload, epoch milliseconds. */
    public long ts() {
        switch (kind) {
            case IMPRESSION:
                return impression.ts;
            case CLICK:
                return click.ts;
            case CONVERSION:
                return conversion.ts;
            default:
                throw new IllegalStateException("unknown kind " + kind);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof JoinEvent)) {
            return false;
        }
        JoinEvent e = (JoinEvent) o;
        return kind == e.kind && Objects.equals(impression, e.impression) && Objects.equals(click, e.click)
                && Objects.equals(conversion, e.conversion);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, impression, click, conversion);
    }

    @Override
    public String toString() {
        switch (kind) {
            case IMPRESSION:
                return impression.toString();
            case CLICK:
                return click.toString();
            case CONVERSION:
                return conversion.toString();
            default:
                return "JoinEvent{" + kind + "}";
        }
    }

    /**
     * The join's input: the three event streams mapped to {@code JoinEvent} (uids {@code join-events-<kind>})
     * and unioned, typed with the wire serializer {@link JoinEventSerializer}. Timestamps and watermarks pass through
     * unchanged.
     */
    public static DataStream<JoinEvent> union(DataStream<Impression> impressions, DataStream<Click> clicks,
            DataStream<Conversion> conversions) {
        DataStream<JoinEvent> i = impressions.map(new FromImpression(), JoinEventSerializer.TYPE_INFO).uid("join-events-impressions")
                .name("join-events-impressions");
        DataStream<JoinEvent> c = clicks.map(new FromClick(), JoinEventSerializer.TYPE_INFO).uid("join-events-clicks")
                .name("join-events-clicks");
        DataStream<JoinEvent> v = conversions.map(new FromConversion(), JoinEventSerializer.TYPE_INFO).uid("join-events-conversions")
                .name("join-events-conversions");
        return i.union(c, v);
    }

    static final class FromImpression implements MapFunction<Impression, JoinEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public JoinEvent map(Impression x) {
            return of(x);
        }
    }

    static final class FromClick implements MapFunction<Click, JoinEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public JoinEvent map(Click x) {
            return of(x);
        }
    }

    static final class FromConversion implements MapFunction<Conversion, JoinEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public JoinEvent map(Conversion x) {
            return of(x);
        }
    }

    /** Key selector by impression id (a named class: lambdas make key types harder to see). */
    public static final class ByImpressionId implements KeySelector<JoinEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(JoinEvent e) {
            return e.key();
        }
    }
}
