package io.weightbench.model;

/**
 * A tensor's shape signature as identify indexes it: a 64-bit FNV-1a hash of its shape written
 * {@code 64,3,7,7}, a {@code |} and its dtype's torch name; keys aside, so that a prefix or a
 * wrapper does not change it. One function for the catalog's entries and a checkpoint's tensors.
 */
public final class Signatures {

    static final long FNV_OFFSET = 0xcbf29ce484222325L;
    static final long FNV_PRIME = 0x100000001b3L;

    private Signatures() {}

    public static long of(TensorSpec t) {
        StringBuilder sb = new StringBuilder();
        for (Long d : t.shape()) {
            if (sb.length() > 0) sb.append(',');
            sb.append(d.longValue());
        }
        return add((shape(sb) ^ '|') * FNV_PRIME, t.dtype().torchName());
    }

    /** The signature mixed with the tensor's key: equal key sets with equal signatures give equal sums. */
    public static long keyed(TensorSpec t) {
        return mix(add(FNV_OFFSET, t.key()) * 31 + of(t));
    }

    static long shape(CharSequence s) {
        return add(FNV_OFFSET, s);
    }

    static long add(long h, CharSequence s) {
        for (int i = 0; i < s.length(); i++) h = (h ^ (s.charAt(i) & 0xff)) * FNV_PRIME;
        return h;
    }

    /** A 64-bit finaliser (splitmix64's), so that sums of mixed values do not cancel out. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
