package io.counterflow.model.sim;

import java.util.Arrays;

/**
 * A binary min-heap of pending events ordered by (ts, insertion sequence), in parallel primitive arrays so
 * that the timestamps are never boxed. Holds clicks and conversions until the impression clock passes them.
 */
final class EventHeap {
    private long[] ts = new long[256];
    private long[] seq = new long[256];
    private Object[] items = new Object[256];
    private int size;
    private long nextSeq;

    void push(long t, Object item) {
        if (size == ts.length) {
            ts = Arrays.copyOf(ts, size * 2);
            seq = Arrays.copyOf(seq, size * 2);
            items = Arrays.copyOf(items, size * 2);
        }
        int i = size++;
        long s = nextSeq++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(t, s, ts[parent], seq[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        ts[i] = t;
        seq[i] = s;
        items[i] = item;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long peekTs() {
        return ts[0];
    }

    Object pop() {
        Object top = items[0];
        size--;
        long t = ts[size];
        long s = seq[size];
        Object item = items[size];
        items[size] = null;
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && less(ts[child + 1], seq[child + 1], ts[child], seq[child])) {
                child++;
            }
            if (!less(ts[child], seq[child], t, s)) {
                break;
            }
            move(child, i);
            i = child;
        }
        if (size > 0) {
            ts[i] = t;
            seq[i] = s;
            items[i] = item;
        }
        return top;
    }

    private void move(int from, int to) {
        ts[to] = ts[from];
        seq[to] = seq[from];
        items[to] = items[from];
    }

    private static boolean less(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }
}
