package io.weightbench.format.tf;

import java.util.zip.CRC32C;

/**
 * CRC-32C as leveldb and TensorFlow store it: masked (rotated and offset), because a CRC computed
 * over bytes that themselves hold CRCs is otherwise prone to degenerate values.
 */
final class MaskedCrc {

    private static final int DELTA = 0xa282ead8;

    private MaskedCrc() {}

    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + DELTA;
    }

    static int unmask(int masked) {
        int rot = masked - DELTA;
        return (rot >>> 17) | (rot << 15);
    }

    /** The unmasked CRC-32C of {@code len} bytes of {@code b} from {@code off}. */
    static int of(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** The stored form of a CRC, as the eight hex digits TensorFlow's tools print for it. */
    static String hex(int crc) {
        String h = Integer.toHexString(crc); // not String.format: a listing formats one per tensor
        return "00000000".substring(h.length()) + h;
    }
}
