package io.weightbench.format.tf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The key under which TensorFlow stores one slice of a partitioned tensor: its name and extents in
 * TensorFlow's OrderedCode (a 0, the name with 0x00 and 0xff escaped and a separator, the rank,
 * then each dimension's start and length as order-preserving signed numbers; a full extent is
 * start 0, length -1). Such keys start with a 0 byte, which no tensor name does.
 */
final class SliceKeys {

    private SliceKeys() {}

    /** Whether a table key is a slice's key rather than a tensor's name. */
    static boolean isSliceKey(byte[] key) {
        return key.length > 0 && key[0] == 0;
    }

    /** The key of the slice with these starts and lengths (-1: the whole dimension) of tensor {@code name}. */
    static byte[] encode(String name, long[] starts, long[] lengths) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        unsigned(out, 0);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            if (b == 0) {
                out.write(0);
                out.write(0xff);
            } else if (b == (byte) 0xff) {
                out.write(0xff);
                out.write(0);
            } else {
                out.write(b);
            }
        }
        out.write(0);
        out.write(1);
        unsigned(out, starts.length);
        for (int d = 0; d < starts.length; d++) {
            signed(out, starts[d]);
            signed(out, lengths[d]);
        }
        return out.toByteArray();
    }

    /** One signed number as {@link #encode} writes it (for tests against TensorFlow's own examples). */
    static byte[] signed(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        signed(out, v);
        return out.toByteArray();
    }

    /** A length byte, then the value's big-endian bytes without leading zeros. */
    private static void unsigned(ByteArrayOutputStream out, long v) {
        int n = (64 - Long.numberOfLeadingZeros(v) + 7) / 8;
        out.write(n);
        for (int i = n - 1; i >= 0; i--) out.write((int) (v >>> (8 * i)));
    }

    /**
     * n bytes of two's complement whose first n bits (the sign and n-1 copies of it saying how many
     * bytes follow) are flipped: n bytes hold values in [-2^(7n-1), 2^(7n-1)), up to ten bytes.
     */
    private static void signed(ByteArrayOutputStream out, long v) {
        long x = v < 0 ? ~v : v;
        int n = 1;
        while (n < 10 && x >= 1L << (7 * n - 1)) n++;
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int shift = 8 * (n - 1 - i);
            b[i] = (byte) (shift >= 64 ? (v < 0 ? 0xff : 0) : v >>> shift);
        }
        for (int bit = 0; bit < n; bit++) b[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        out.write(b, 0, n);
    }
}
