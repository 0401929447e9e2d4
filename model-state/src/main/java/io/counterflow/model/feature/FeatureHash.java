package io.counterflow.model.feature;

/**
 * Seeded 64-bit hash of (field name, value) without allocating: FNV-1a over the UTF-16 units of the field
 * name, a separator and the value, finished with MurmurHash3's fmix64. The field name's part is computed once.
 */
public final class FeatureHash {
    private static final long FNV_PRIME = 0x100000001b3L;
    /** The value hashed for a field the record lacks. */
    public static final String MISSING = "\u0000missing";

    private FeatureHash() {}

    /** Hash state after the seed, the field name and a separator. */
    public static long fieldState(long seed, String field) {
        long h = 0xcbf29ce484222325L ^ fmix64(seed);
        for (int i = 0; i < field.length(); i++) {
            h = (h ^ field.charAt(i)) * FNV_PRIME;
        }
        return (h ^ 0x1f) * FNV_PRIME;
    }

    /** fmix64(FNV-1a(state, value) ^ length). */
    public static long hash(long fieldState, String value) {
        long h = fieldState;
        int len = value.length();
        for (int i = 0; i < len; i++) {
            h = (h ^ value.charAt(i)) * FNV_PRIME;
        }
        return fmix64(h ^ len);
    }

    /** MurmurHash3's 64-bit finaliser. */
    public static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** Bucket in [0, buckets). */
    public static int bucket(long hash, int buckets) {
        return (int) Long.remainderUnsigned(hash, buckets);
    }
}
