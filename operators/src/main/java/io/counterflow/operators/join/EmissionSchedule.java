package io.counterflow.operators.join;

import io.counterflow.model.data.Emission;
import io.counterflow.model.feedback.Labeling;
import java.util.Arrays;

/**
 * The rows a labeling policy emits for a set of impressions whose click and conversion times are known, in
 * emission order: the rules of the policy classes ({@link EmitWhenFinal}, {@link FakeNegativeWeighted}, {@link
 * ElapsedTimeSampling}, {@link DeferredFinalCopy}) for clean events and a watermark at event time, computed in one
 * pass instead of by the stateful operator — for simulations (feedback-eval); {@code EmissionScheduleTest} checks
 * that it matches {@link LabelJoinOperator}. Also covers {@code oracle}. Rows are primitive arrays: emission time,
 * impression index, emission kind and conversion label.
 */
public final class EmissionSchedule {
    public final long[] time;
    public final int[] impression;
    public final Emission[] kind;
    public final byte[] conversion;
    public final int size;
    /** Bits of the row index in a sort key: up to 2^26 rows, over up to 2^37 ms (4 years) of emission times. */
    private static final int ROW_BITS = 26;

    private EmissionSchedule(long[] time, int[] impression, Emission[] kind, byte[] conversion, int size) {
        this.time = time;
        this.impression = impression;
        this.kind = kind;
        this.conversion = conversion;
        this.size = size;
    }

    /**
     * @param impressionTs per impression, its event time
     * @param clickTs its accepted click's time, or {@code Long.MIN_VALUE} when unclicked
     * @param conversionTs its accepted conversion's time (inside the attribution window), or {@code Long.MIN_VALUE}
     * @param elapsedMs es-dfm and defer: the waiting time c after the click
     */
    public static EmissionSchedule of(long[] impressionTs, long[] clickTs, long[] conversionTs, long clickWindowMs,
            long attributionWindowMs, Labeling policy, long elapsedMs) {
        int n = impressionTs.length;
        int cap = n * 2 + 16;
        long[] t = new long[cap];
        int[] imp = new int[cap];
        byte[] kind = new byte[cap];
        byte[] conv = new byte[cap];
        int k = 0;
        long c = policy == Labeling.FNW ? 0 : elapsedMs;
        for (int i = 0; i < n; i++) {
            long ts = impressionTs[i];
            long click = clickTs[i];
            long conversion = conversionTs[i];
            if (k + 3 > t.length) {
                t = Arrays.copyOf(t, t.length * 2);
                imp = Arrays.copyOf(imp, t.length);
                kind = Arrays.copyOf(kind, t.length);
                conv = Arrays.copyOf(conv, t.length);
            }
            if (click == Long.MIN_VALUE) {
                k = add(t, imp, kind, conv, k, ts + clickWindowMs, i, Emission.FINAL, 0);
                continue;
            }
            boolean converted = conversion != Long.MIN_VALUE;
            switch (policy) {
                case WAIT:
                    k = converted ? add(t, imp, kind, conv, k, conversion, i, Emission.FINAL, 1)
                            : add(t, imp, kind, conv, k, click + attributionWindowMs, i, Emission.FINAL, 0);
                    break;
                case ORACLE:
                    k = add(t, imp, kind, conv, k, ts + clickWindowMs, i, Emission.FINAL, converted ? 1 : 0);
                    break;
                default: {
                    boolean early = policy != Labeling.FNW && converted && conversion <= click + c;
                    k = add(t, imp, kind, conv, k, click + c, i, Emission.FIRST, early ? 1 : 0);
                    if (converted && !early) {
                        k = add(t, imp, kind, conv, k, conversion, i, Emission.CORRECTION, 1);
                    } else if (policy == Labeling.DEFER) {
                        k = add(t, imp, kind, conv, k, click + attributionWindowMs, i, Emission.FINAL_COPY,
                                early ? 1 : 0);
                    }
                }
            }
        }
        // Stable sort by emission time (ties keep impression order, as the operator's timers fire in order): one
        // primitive sort of keys (time − t0) · 2^ROW_BITS + row.
        long t0 = Long.MAX_VALUE;
        long t1 = Long.MIN_VALUE;
        for (int i = 0; i < k; i++) {
            t0 = Math.min(t0, t[i]);
            t1 = Math.max(t1, t[i]);
        }
        if (k >= 1 << ROW_BITS || k > 0 && t1 - t0 >= 1L << (63 - ROW_BITS)) {
            throw new IllegalArgumentException("schedule of " + k + " rows over " + (t1 - t0) + " ms: at most "
                    + (1 << ROW_BITS) + " rows over " + (1L << (63 - ROW_BITS)) + " ms");
        }
        long[] keys = new long[k];
        for (int i = 0; i < k; i++) {
            keys[i] = (t[i] - t0) << ROW_BITS | i;
        }
        Arrays.sort(keys);
        int[] order = new int[k];
        for (int i = 0; i < k; i++) {
            order[i] = (int) (keys[i] & ((1L << ROW_BITS) - 1));
        }
        long[] st = new long[k];
        int[] si = new int[k];
        Emission[] sk = new Emission[k];
        byte[] sc = new byte[k];
        Emission[] kinds = Emission.values();
        for (int i = 0; i < k; i++) {
            int o = order[i];
            st[i] = t[o];
            si[i] = imp[o];
            sk[i] = kinds[kind[o]];
            sc[i] = conv[o];
        }
        return new EmissionSchedule(st, si, sk, sc, k);
    }

    private static int add(long[] t, int[] imp, byte[] kind, byte[] conv, int k, long time, int i, Emission e,
            int label) {
        t[k] = time;
        imp[k] = i;
        kind[k] = (byte) e.ordinal();
        conv[k] = (byte) label;
        return k + 1;
    }
}
