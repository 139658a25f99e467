package io.weightbench.format.tf;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A string tensor's bytes in a shard: each element's length as a varint, a masked CRC-32C of the
 * lengths (as 4-byte integers in the writer's byte order, 8 bytes for lengths over 2^32-1), then
 * the strings one after another. The entry's CRC covers the lengths, that checksum and the bytes.
 * Read whole (callers bound the size), every length checked against the run before use.
 */
final class StringTensor {

    private StringTensor() {}

    static List<byte[]> read(ByteSource run, long count, boolean bigEndian, int maskedCrc, String key) throws IOException {
        long size = run.size();
        if (size == 0 && count == 0) return List.of();
        if (size > Integer.MAX_VALUE - 16) throw new FormatException("string tensor '" + key + "' of " + size + " bytes is too large to read");
        if (count > size) throw new FormatException("string tensor '" + key + "' has " + count + " elements but only " + size + " bytes");
        byte[] b = new byte[(int) size];
        run.read(0, b, 0, b.length);
        int pos = 0;
        long[] lengths = new long[(int) count];
        CRC32C crc = new CRC32C();
        long total = 0;
        for (int i = 0; i < count; i++) {
            long v = 0;
            int shift = 0;
            while (true) {
                if (pos >= b.length || shift > 63) throw new FormatException("string tensor '" + key + "' has a malformed length");
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                shift += 7;
                if (x < 0x80) break;
            }
            if (v < 0 || v > size) throw new FormatException("string tensor '" + key + "' has an element of " + Long.toUnsignedString(v) + " bytes in " + size);
            lengths[i] = v;
            total += v;
            if (v <= 0xffffffffL) crc.update(fixed(v, 4, bigEndian));
            else crc.update(fixed(v, 8, bigEndian));
        }
        if (pos + 4 > b.length || total > b.length - pos - 4) {
            throw new FormatException("string tensor '" + key + "' holds " + total + " bytes of strings that run past its " + size + " bytes");
        }
        int stored = bigEndian ? Bytes.intBE(b, pos) : Bytes.intLE(b, pos);
        if (MaskedCrc.mask((int) crc.getValue()) != stored) {
            throw new FormatException("string tensor '" + key + "' fails the checksum of its lengths (the data file is corrupt)");
        }
        crc.update(b, pos, 4);
        pos += 4;
        List<byte[]> out = new ArrayList<>((int) count);
        for (long n : lengths) {
            out.add(java.util.Arrays.copyOfRange(b, pos, pos + (int) n));
            pos += (int) n;
        }
        crc.update(b, pos - (int) total, (int) total);
        if (MaskedCrc.mask((int) crc.getValue()) != maskedCrc) {
            throw new FormatException("string tensor '" + key + "' fails its checksum (the data file is corrupt)");
        }
        return out;
    }

    private static byte[] fixed(long v, int n, boolean bigEndian) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            int shift = 8 * (bigEndian ? n - 1 - i : i);
            out[i] = (byte) (v >>> shift);
        }
        return out;
    }
}
