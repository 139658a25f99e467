package io.weightbench.format.tf;

/** Little- and big-endian numbers from byte arrays, for the table's fixed-width fields. */
final class Bytes {

    private Bytes() {}

    static int intLE(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    static int intBE(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    static long longLE(byte[] b, int at) {
        return (intLE(b, at) & 0xffffffffL) | (long) intLE(b, at + 4) << 32;
    }
}
