package io.weightbench.format.hdf5;

import io.jhdf.filter.PipelineFilterWithData;
import io.weightbench.format.FormatException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Undoes an HDF5 filter pipeline on one chunk, with every output bounded by the chunk's known
 * size: deflate (gzip), shuffle, Fletcher-32 and h5py's LZF, the filters h5py writes by default.
 * Filters are undone in reverse order, skipping those the chunk's filter mask says were not
 * applied (HDF5 skips an optional filter that would not shrink a chunk). Other filters (szip,
 * scale-offset, Blosc, ...) are named in the error.
 */
final class ChunkFilters {

    static final int DEFLATE = 1;
    static final int SHUFFLE = 2;
    static final int FLETCHER32 = 3;
    static final int LZF = 32000;
    /** Slack for a Fletcher-32 checksum still attached when a compressor is undone. */
    private static final int SLACK = 16;

    private ChunkFilters() {}

    /** Decodes {@code raw} to exactly {@code expected} bytes, or says why it cannot. */
    static byte[] decode(byte[] raw, List<PipelineFilterWithData> filters, BitSet mask, int expected, int elementSize, String where)
            throws FormatException {
        byte[] data = raw;
        for (int i = filters.size() - 1; i >= 0; i--) {
            if (mask != null && mask.get(i)) continue;
            PipelineFilterWithData f = filters.get(i);
            int[] cd = f.getFilterData() == null ? new int[0] : f.getFilterData();
            data = switch (f.getId()) {
                case DEFLATE -> inflate(data, expected + SLACK, where);
                case SHUFFLE -> unshuffle(data, cd.length > 0 && cd[0] > 0 ? cd[0] : elementSize);
                case FLETCHER32 -> stripFletcher32(data, where);
                case LZF -> lzf(data, expected + SLACK, where);
                default -> throw new FormatException(where + " is compressed with HDF5 filter " + f.getId() + " (" + f.getName()
                        + "), which Weightbench does not decode (deflate, shuffle, fletcher32 and lzf are read)");
            };
        }
        if (data.length != expected) {
            throw new FormatException(where + " decodes to " + data.length + " bytes, not the " + expected + " its chunk shape needs");
        }
        return data;
    }

    static byte[] inflate(byte[] in, int max, String where) throws FormatException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(in);
            byte[] out = new byte[Math.min(max, Math.max(64, in.length * 4))];
            int n = 0;
            while (!inf.finished()) {
                if (n == out.length) {
                    if (out.length >= max) {
                        byte[] probe = new byte[1];
                        if (inf.inflate(probe) > 0) throw new FormatException(where + " inflates to more than its chunk's " + max + " bytes");
                        break;
                    }
                    out = Arrays.copyOf(out, (int) Math.min(max, 2L * out.length));
                }
                int got = inf.inflate(out, n, out.length - n);
                if (got == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new FormatException(where + " is not complete deflate data (it ends early)");
                }
                n += got;
            }
            return n == out.length ? out : Arrays.copyOf(out, n);
        } catch (DataFormatException e) {
            throw new FormatException(where + " is not valid deflate data: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    /** Shuffle stores byte 0 of every element, then byte 1, ...; a tail shorter than one element is kept as is. */
    static byte[] unshuffle(byte[] in, int elementSize) {
        if (elementSize <= 1 || in.length < elementSize) return in;
        int n = in.length / elementSize;
        byte[] out = new byte[in.length];
        for (int b = 0; b < elementSize; b++) {
            int src = b * n;
            for (int e = 0; e < n; e++) out[e * elementSize + b] = in[src + e];
        }
        System.arraycopy(in, n * elementSize, out, n * elementSize, in.length - n * elementSize);
        return out;
    }

    /** The chunk without its trailing checksum, which must match (stored little-endian, or in HDF5 1.6's swapped halves). */
    static byte[] stripFletcher32(byte[] in, String where) throws FormatException {
        if (in.length < 4) throw new FormatException(where + " is too short for its Fletcher-32 checksum");
        int n = in.length - 4;
        long stored = (in[n] & 0xffL) | (in[n + 1] & 0xffL) << 8 | (in[n + 2] & 0xffL) << 16 | (in[n + 3] & 0xffL) << 24;
        long sum = fletcher32(in, n);
        long swapped = ((sum & 0xffffL) << 16) | (sum >>> 16);
        if (stored != sum && stored != swapped) {
            throw new FormatException(where + " fails its Fletcher-32 checksum (corrupt data)");
        }
        return Arrays.copyOf(in, n);
    }

    /** HDF5's Fletcher-32: over big-endian 16-bit words, a trailing odd byte as the high half of a word. */
    static long fletcher32(byte[] data, int len) {
        long sum1 = 0;
        long sum2 = 0;
        int words = len / 2;
        int p = 0;
        while (words > 0) {
            int t = Math.min(words, 360);
            words -= t;
            for (int k = 0; k < t; k++) {
                sum1 += ((data[p] & 0xff) << 8) | (data[p + 1] & 0xff);
                p += 2;
                sum2 += sum1;
            }
            sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
            sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
        }
        if (len % 2 != 0) {
            sum1 += (data[p] & 0xff) << 8;
            sum2 += sum1;
            sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
            sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
        }
        sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
        return (sum2 << 16) | sum1;
    }

    /**
     * LZF (liblzf, as h5py's lzf filter writes it): a control byte below 32 starts a literal run of
     * that many plus one bytes; any other is a back reference (length in its top three bits, plus
     * an extra byte when they are all set, and a 13-bit distance).
     */
    static byte[] lzf(byte[] in, int max, String where) throws FormatException {
        byte[] out = new byte[Math.min(max, Math.max(64, in.length * 4))];
        int ip = 0;
        int op = 0;
        while (ip < in.length) {
            int ctrl = in[ip++] & 0xff;
            if (ctrl < 32) {
                int len = ctrl + 1;
                if (ip + len > in.length) throw new FormatException(where + " is not valid LZF data (a literal runs past its end)");
                out = room(out, op + len, max, where);
                System.arraycopy(in, ip, out, op, len);
                ip += len;
                op += len;
            } else {
                int len = ctrl >> 5;
                if (len == 7) {
                    if (ip >= in.length) throw new FormatException(where + " is not valid LZF data (it ends inside a reference)");
                    len += in[ip++] & 0xff;
                }
                if (ip >= in.length) throw new FormatException(where + " is not valid LZF data (it ends inside a reference)");
                int ref = op - ((ctrl & 0x1f) << 8) - 1 - (in[ip++] & 0xff);
                len += 2;
                if (ref < 0) throw new FormatException(where + " is not valid LZF data (a reference points before its start)");
                out = room(out, op + len, max, where);
                for (int k = 0; k < len; k++) out[op++] = out[ref++];
            }
        }
        return op == out.length ? out : Arrays.copyOf(out, op);
    }

    private static byte[] room(byte[] out, int need, int max, String where) throws FormatException {
        if (need <= out.length) return out;
        if (need > max) throw new FormatException(where + " decompresses to more than its chunk's " + max + " bytes");
        return Arrays.copyOf(out, (int) Math.min(max, Math.max(need, 2L * out.length)));
    }
}
