package io.counterflow.operators.wire;

import io.counterflow.model.data.Features;
import io.counterflow.model.data.Truth;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The primitives of the wire formats: variable-length ints, nullable strings, string arrays, {@link Features} and
 * {@link Truth}. One instance per serializer instance (it holds scratch buffers and the name caches; not
 * thread-safe, like the serializer that owns it).
 *
 * <p>Strings: {@code varint(0)} for null, else {@code varint(2 * length + kind + 1)} and the characters: kind 0,
 * ASCII, one byte each (feature values and ids almost always are: written from a reused char buffer and read by
 * one bulk copy); kind 1, any other string, two bytes per UTF-16 char, so every Java string (unpaired surrogates
 * included) reads back exactly as written: a feature hashes to the same bucket online and offline. Name arrays: each read compares the names' bytes with the array read last in the same position (field
 * names repeat from record to record) and returns that same array when they are equal, so consecutive records
 * share one array, downstream name comparisons are reference checks and nothing is allocated for them. Shared
 * arrays are never mutated: every consumer of these records only reads them.
 */
final class WireIO {
    private static final byte[] NO_BYTES = new byte[0];

    private char[] chars = new char[64];
    private byte[] bytes = new byte[128];

    // ------------------------------------------------------------------------------------------------ varints

    static void writeVarInt(int v, DataOutputView out) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    static int readVarInt(DataInputView in) throws IOException {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("corrupt record: variable-length int longer than 5 bytes");
    }

    static int readLength(DataInputView in, String what) throws IOException {
        int n = readVarInt(in);
        if (n < 0) {
            throw new IOException("corrupt record: " + what + " length " + n);
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------ strings

    void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeByte(0);
            return;
        }
        int n = s.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        if (bytes.length < 2 * n) {
            bytes = new byte[Math.max(2 * n, 2 * bytes.length)];
        }
        s.getChars(0, n, chars, 0);
        char[] c = chars;
        byte[] b = bytes;
        int i = 0;
        while (i < n && c[i] < 0x80) {
            b[i] = (byte) c[i];
            i++;
        }
        if (i == n) {
            writeVarInt(2 * n + 1, out);
            out.write(b, 0, n);
        } else {
            for (int k = 0; k < n; k++) {
                b[2 * k] = (byte) (c[k] >>> 8);
                b[2 * k + 1] = (byte) c[k];
            }
            writeVarInt(2 * n + 2, out);
            out.write(b, 0, 2 * n);
        }
    }

    /**
     * Reads a string's header and characters' bytes into the scratch buffer; returns the header ({@code 2 * length
     * + kind + 1}, 0 for null). The bytes are {@link #byteLength} long.
     */
    private int readStringBytes(DataInputView in) throws IOException {
        int h = readLength(in, "string");
        int len = byteLength(h);
        if (len > 0) {
            if (bytes.length < len) {
                bytes = new byte[Math.max(len, 2 * bytes.length)];
            }
            if (chars.length < len / 2) {
                chars = new char[bytes.length / 2];
            }
            in.readFully(bytes, 0, len);
        }
        return h;
    }

    private static int byteLength(int header) {
        return header == 0 ? 0 : (header & 1) == 1 ? (header - 1) / 2 : header - 2;
    }

    /** The string of a header and the scratch bytes read with it. */
    private String decode(int header) {
        if (header == 0) {
            return null;
        }
        if ((header & 1) == 1) {
            int n = (header - 1) / 2;
            return n == 0 ? "" : new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
        }
        int n = (header - 2) / 2;
        char[] c = chars;
        for (int k = 0; k < n; k++) {
            c[k] = (char) (((bytes[2 * k] & 0xff) << 8) | (bytes[2 * k + 1] & 0xff));
        }
        return new String(c, 0, n);
    }

    String readString(DataInputView in) throws IOException {
        return decode(readStringBytes(in));
    }

    void writeStrings(String[] a, DataOutputView out) throws IOException {
        if (a == null) {
            out.writeByte(0);
            return;
        }
        writeVarInt(a.length + 1, out);
        for (String s : a) {
            writeString(s, out);
        }
    }

    String[] readStrings(DataInputView in) throws IOException {
        int n = readLength(in, "string array") - 1;
        if (n < 0) {
            return null;
        }
        if (n == 0) {
            return Features.NO_STRINGS;
        }
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = readString(in);
        }
        return a;
    }

    /** A name array read before, with its names' wire bytes; reused while records repeat it. */
    static final class Names {
        private String[] names = Features.NO_STRINGS;
        /** Each name's string header and wire bytes. */
        private int[] headers = new int[0];
        private byte[][] wire = new byte[0][];
    }

    /** Reads a string array like {@link #readStrings}, returning {@code cache}'s array when the names repeat it. */
    String[] readNames(DataInputView in, Names cache) throws IOException {
        int n = readLength(in, "string array") - 1;
        if (n < 0) {
            return null;
        }
        if (n == 0) {
            return Features.NO_STRINGS;
        }
        boolean same = cache.names.length == n;
        String[] fresh = null;
        int[] freshHeaders = null;
        byte[][] freshWire = null;
        for (int i = 0; i < n; i++) {
            int h = readStringBytes(in);
            int len = byteLength(h);
            if (same) {
                if (cache.headers[i] == h && Arrays.equals(bytes, 0, len, cache.wire[i], 0, len)) {
                    continue;
                }
                // First difference: the names before it are the cached ones.
                same = false;
                fresh = Arrays.copyOf(cache.names, n);
                freshHeaders = Arrays.copyOf(cache.headers, n);
                freshWire = Arrays.copyOf(cache.wire, n);
            } else if (fresh == null) {
                fresh = new String[n];
                freshHeaders = new int[n];
                freshWire = new byte[n][];
            }
            fresh[i] = decode(h);
            freshHeaders[i] = h;
            freshWire[i] = len == 0 ? NO_BYTES : Arrays.copyOf(bytes, len);
        }
        if (same) {
            return cache.names;
        }
        cache.names = fresh;
        cache.headers = freshHeaders;
        cache.wire = freshWire;
        return fresh;
    }

    // ------------------------------------------------------------------------------------------------ features

    /** Feature-name caches of one serializer: one per kind of feature. */
    static final class FeatureNames {
        final Names cat = new Names();
        final Names multi = new Names();
        final Names num = new Names();
    }

    void writeFeatures(Features f, DataOutputView out) throws IOException {
        if (f == null) {
            out.writeBoolean(false);
            return;
        }
        out.writeBoolean(true);
        writeStrings(f.catNames, out);
        writeStrings(f.catValues, out);
        writeStrings(f.multiNames, out);
        if (f.multiValues == null) {
            out.writeByte(0);
        } else {
            writeVarInt(f.multiValues.length + 1, out);
            for (String[] v : f.multiValues) {
                writeStrings(v, out);
            }
        }
        writeStrings(f.numNames, out);
        if (f.numValues == null) {
            out.writeByte(0);
        } else {
            writeVarInt(f.numValues.length + 1, out);
            for (double v : f.numValues) {
                out.writeDouble(v);
            }
        }
    }

    Features readFeatures(DataInputView in, FeatureNames names) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        Features f = new Features();
        f.catNames = readNames(in, names.cat);
        f.catValues = readStrings(in);
        f.multiNames = readNames(in, names.multi);
        int m = readLength(in, "multi-valued features") - 1;
        if (m < 0) {
            f.multiValues = null;
        } else {
            f.multiValues = new String[m][];
            for (int i = 0; i < m; i++) {
                f.multiValues[i] = readStrings(in);
            }
        }
        f.numNames = readNames(in, names.num);
        int k = readLength(in, "numeric features") - 1;
        if (k < 0) {
            f.numValues = null;
        } else {
            f.numValues = new double[k];
            for (int i = 0; i < k; i++) {
                f.numValues[i] = in.readDouble();
            }
        }
        return f;
    }

    static Features copy(Features f) {
        if (f == null) {
            return null;
        }
        String[][] multi = f.multiValues == null ? null : new String[f.multiValues.length][];
        for (int i = 0; multi != null && i < multi.length; i++) {
            multi[i] = f.multiValues[i] == null ? null : f.multiValues[i].clone();
        }
        return new Features(clone(f.catNames), clone(f.catValues), clone(f.multiNames), multi, clone(f.numNames),
                f.numValues == null ? null : f.numValues.clone());
    }

    private static String[] clone(String[] a) {
        return a == null ? null : a.clone();
    }

    // ------------------------------------------------------------------------------------------------ truth

    static void writeTruth(Truth t, DataOutputView out) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) {
            out.writeDouble(t.ctr);
            out.writeDouble(t.cvr);
        }
    }

    static Truth readTruth(DataInputView in) throws IOException {
        return in.readBoolean() ? new Truth(in.readDouble(), in.readDouble()) : null;
    }

    static Truth copy(Truth t) {
        return t == null ? null : new Truth(t.ctr, t.cvr);
    }
}
