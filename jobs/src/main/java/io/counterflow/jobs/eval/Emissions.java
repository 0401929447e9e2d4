package io.counterflow.jobs.eval;

import io.counterflow.model.data.Emission;
import io.counterflow.model.feedback.Labeling;
import java.util.Arrays;

/**
 * The rows a labeling policy emits for a world, in emission order: the join's rules (operators/join, one class
 * per policy) for clean events and a watermark equal to event time. Rows are primitive arrays: emission time,
 * impression index, emission kind and conversion label.
 */
final class Emissions {
    final long[] time;
    final int[] impression;
    final Emission[] kind;
    final byte[] conversion;
    final int size;

    private Emissions(long[] time, int[] impression, Emission[] kind, byte[] conversion, int size) {
        this.time = time;
        this.impression = impression;
        this.kind = kind;
        this.conversion = conversion;
        this.size = size;
    }

    /** @param elapsedMs es-dfm and defer: the waiting time c after the click */
    static Emissions of(World w, Labeling policy, long elapsedMs) {
        int n = w.impressions.length;
        int cap = n * 2 + 16;
        long[] t = new long[cap];
        int[] imp = new int[cap];
        byte[] kind = new byte[cap];
        byte[] conv = new byte[cap];
        int k = 0;
        long c = policy == Labeling.FNW ? 0 : elapsedMs;
        for (int i = 0; i < n; i++) {
            long ts = w.impressions[i].ts;
            long click = w.clickTs[i];
            long conversion = w.conversionTs[i];
            if (k + 3 > t.length) {
                t = Arrays.copyOf(t, t.length * 2);
                imp = Arrays.copyOf(imp, t.length);
                kind = Arrays.copyOf(kind, t.length);
                conv = Arrays.copyOf(conv, t.length);
            }
            if (click == Long.MIN_VALUE) {
                k = add(t, imp, kind, conv, k, ts + w.clickWindowMs, i, Emission.FINAL, 0);
                continue;
            }
            boolean converted = conversion != Long.MIN_VALUE;
            switch (policy) {
                case WAIT:
                    k = converted ? add(t, imp, kind, conv, k, conversion, i, Emission.FINAL, 1)
                            : add(t, imp, kind, conv, k, click + w.attributionWindowMs, i, Emission.FINAL, 0);
                    break;
                case ORACLE:
                    k = add(t, imp, kind, conv, k, ts + w.clickWindowMs, i, Emission.FINAL, converted ? 1 : 0);
                    break;
                default: {
                    boolean early = converted && conversion <= click + c;
                    k = add(t, imp, kind, conv, k, click + c, i, Emission.FIRST, early ? 1 : 0);
                    if (converted && !early) {
                        k = add(t, imp, kind, conv, k, conversion, i, Emission.CORRECTION, 1);
                    } else if (policy == Labeling.DEFER) {
                        k = add(t, imp, kind, conv, k, click + w.attributionWindowMs, i, Emission.FINAL_COPY,
                                early ? 1 : 0);
                    }
                }
            }
        }
        // Stable sort by time: key = (time − t0) · 2^23 + sequence would overflow for long streams, so sort indices.
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        final long[] tt = t;
        Arrays.sort(order, (a, b) -> tt[a] != tt[b] ? Long.compare(tt[a], tt[b]) : Integer.compare(a, b));
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
        return new Emissions(st, si, sk, sc, k);
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
