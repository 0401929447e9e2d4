package io.counterflow.model.backend;

import io.counterflow.model.feature.EncodedBatch;

/**
 * The occurrences of each unique embedding row of a batch, grouped by row (compressed sparse rows), built on the
 * host for the device's scatter-add ({@code cf_embed_backward}). Within a row, occurrences keep the order in
 * which {@code CpuBackend.embedBackwardK} visits them (sample, then single-valued fields, then multi-valued fields
 * and their entries), so that summing them in list order reproduces the Java reference bit for bit, with no
 * atomics and no dependence on thread scheduling.
 *
 * <p>Occurrence o of row s (o in {@code start[s] .. start[s+1])}) reads dX at sample {@code key[o] / fields}, field
 * slot {@code key[o] % fields} (the single-valued fields, then the multi-valued ones), scaled by {@code scale[o]}:
 * 1, or 1/poolSize for a pooled entry — the same float {@code 1f / poolSize} the Java reference multiplies by.
 * The key does not depend on the embedding width, so the index is built once per batch, at upload. Arrays are
 * reused and grow when a batch needs more (no allocation in the steady state).
 */
final class OccurrenceIndex {
    /** Row s's occurrences are start[s] .. start[s+1]; length ≥ uniqueCount + 1. */
    int[] start = new int[17];
    /** sample · fields + fieldSlot per occurrence. */
    int[] key = new int[16];
    /** 1 or 1/poolSize per occurrence. */
    float[] scale = new float[16];
    /** Unique rows and occurrences of the last build. */
    int rows;
    int occurrences;
    /** Embedded fields per sample (single-valued + multi-valued) of the last build. */
    int fields;

    /** Builds the index of batch b (its first n samples and uniqueCount rows). */
    void build(EncodedBatch b) {
        int n = b.n;
        int cf = b.catFields;
        int mf = b.multiFields;
        int u = b.uniqueCount;
        fields = cf + mf;
        rows = u;
        if (start.length < u + 1) {
            start = new int[Math.max(u + 1, 2 * start.length)];
        }
        int[] st = start;
        java.util.Arrays.fill(st, 0, u + 1, 0);
        // Count into st[s + 1] so that the prefix sum leaves st[s] = first occurrence of row s.
        for (int i = 0; i < n * cf; i++) {
            st[b.catSlots[i] + 1]++;
        }
        int p0 = mf == 0 ? 0 : b.mvStart[0];
        int p1 = mf == 0 ? 0 : b.mvStart[n * mf];
        for (int s = p0; s < p1; s++) {
            st[b.mvSlots[s] + 1]++;
        }
        int pooled = p1 - p0;
        for (int s = 0; s < u; s++) {
            st[s + 1] += st[s];
        }
        int total = n * cf + pooled;
        if (st[u] != total) {
            throw new IllegalStateException("occurrence index: counted " + st[u] + " occurrences, expected " + total);
        }
        occurrences = total;
        if (key.length < total) {
            int cap = Math.max(total, 2 * key.length);
            key = new int[cap];
            scale = new float[cap];
        }
        // Second pass in the reference's order; st[s] advances to the end of row s, i.e. the start of row s + 1.
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < cf; f++) {
                int o = st[b.catSlots[i * cf + f]]++;
                key[o] = i * fields + f;
                scale[o] = 1f;
            }
            for (int f = 0; f < mf; f++) {
                int s0 = b.mvStart[i * mf + f];
                int s1 = b.mvStart[i * mf + f + 1];
                if (s1 > s0) {
                    float inv = 1f / (s1 - s0);
                    for (int s = s0; s < s1; s++) {
                        int o = st[b.mvSlots[s]]++;
                        key[o] = i * fields + cf + f;
                        scale[o] = inv;
                    }
                }
            }
        }
        // Shift back: st[s] is now the end of row s; the start of row s is the end of row s − 1.
        System.arraycopy(st, 0, st, 1, u);
        st[0] = 0;
    }
}
