package io.weightbench.tensor;

import java.nio.ByteOrder;

/**
 * ggml's block quantizations, dequantized to float32 exactly as ggml's {@code to_float} does
 * (ggml-quants.c's {@code dequantize_row_*}): each block's scales (float16) and packed integers
 * give {@link DType#blockSize()} floats.
 *
 * <p>Bit-identical to ggml: every product and difference is one float32 operation in the order C
 * evaluates it ({@code x * d}, {@code x * d + m}, {@code d * sc * q}, {@code dl * q - ml}), never a
 * fused multiply-add (Java does not contract), and float16 scales widen exactly.
 *
 * <p>Byte order: a block's multi-byte fields (the float16 scales {@code d}, {@code m},
 * {@code dmin}, and q5_0/q5_1's 32-bit {@code qh}) are read in the file's byte order, as ggml on a
 * big-endian host reads its own files and as gguf-py's {@code gguf_convert_endian} swaps them; the
 * byte arrays (quants, packed 6-bit scales) are the same in either order.
 */
public final class BlockQuant {

    private BlockQuant() {}

    /**
     * Dequantizes {@code blocks} consecutive blocks of {@code type} from {@code src[srcOff ..]}
     * (little-endian, as stored) into {@code dst[dstOff ..]}.
     */
    public static void toFloat(DType type, byte[] src, int srcOff, int blocks, float[] dst, int dstOff) {
        toFloat(type, ByteOrder.LITTLE_ENDIAN, src, srcOff, blocks, dst, dstOff);
    }

    /**
     * Dequantizes {@code blocks} consecutive blocks of {@code type} stored in byte order
     * {@code order} from {@code src[srcOff ..]} into {@code dst[dstOff ..]}.
     */
    public static void toFloat(DType type, ByteOrder order, byte[] src, int srcOff, int blocks, float[] dst, int dstOff) {
        if (!type.isBlockQuantized()) throw new IllegalArgumentException(type + " is not a block-quantized type");
        boolean be = order == ByteOrder.BIG_ENDIAN;
        int size = type.itemSize();
        int per = type.blockSize();
        for (int b = 0; b < blocks; b++) {
            int s = srcOff + b * size;
            int y = dstOff + b * per;
            switch (type) {
                case Q4_0 -> q4_0(src, s, be, dst, y);
                case Q4_1 -> q4_1(src, s, be, dst, y);
                case Q5_0 -> q5_0(src, s, be, dst, y);
                case Q5_1 -> q5_1(src, s, be, dst, y);
                case Q8_0 -> q8_0(src, s, be, dst, y);
                case Q2_K -> q2_k(src, s, be, dst, y);
                case Q3_K -> q3_k(src, s, be, dst, y);
                case Q4_K -> q4_k(src, s, be, dst, y);
                case Q5_K -> q5_k(src, s, be, dst, y);
                case Q6_K -> q6_k(src, s, be, dst, y);
                default -> throw new IllegalArgumentException(type + " is not a block-quantized type");
            }
        }
    }

    /** block_q4_0: d (f16), qs[16]: value = (nibble - 8) * d; low nibbles first, then high. */
    private static void q4_0(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s, be);
        for (int j = 0; j < 16; j++) {
            int q = x[s + 2 + j] & 0xff;
            int x0 = (q & 0x0f) - 8;
            int x1 = (q >>> 4) - 8;
            y[o + j] = x0 * d;
            y[o + j + 16] = x1 * d;
        }
    }

    /** block_q4_1: d, m (f16), qs[16]: value = nibble * d + m. */
    private static void q4_1(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s, be);
        float m = half(x, s + 2, be);
        for (int j = 0; j < 16; j++) {
            int q = x[s + 4 + j] & 0xff;
            int x0 = q & 0x0f;
            int x1 = q >>> 4;
            y[o + j] = x0 * d + m;
            y[o + j + 16] = x1 * d + m;
        }
    }

    /** block_q5_0: d (f16), qh (u32: each value's fifth bit), qs[16]: value = (5-bit - 16) * d. */
    private static void q5_0(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s, be);
        int qh = u32(x, s + 2, be);
        for (int j = 0; j < 16; j++) {
            int q = x[s + 6 + j] & 0xff;
            int xh0 = ((qh >>> j) << 4) & 0x10;
            int xh1 = (qh >>> (j + 12)) & 0x10;
            int x0 = ((q & 0x0f) | xh0) - 16;
            int x1 = ((q >>> 4) | xh1) - 16;
            y[o + j] = x0 * d;
            y[o + j + 16] = x1 * d;
        }
    }

    /** block_q5_1: d, m (f16), qh (u32), qs[16]: value = 5-bit * d + m. */
    private static void q5_1(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s, be);
        float m = half(x, s + 2, be);
        int qh = u32(x, s + 4, be);
        for (int j = 0; j < 16; j++) {
            int q = x[s + 8 + j] & 0xff;
            int xh0 = ((qh >>> j) << 4) & 0x10;
            int xh1 = (qh >>> (j + 12)) & 0x10;
            int x0 = (q & 0x0f) | xh0;
            int x1 = (q >>> 4) | xh1;
            y[o + j] = x0 * d + m;
            y[o + j + 16] = x1 * d + m;
        }
    }

    /** block_q8_0: d (f16), qs[32] (int8): value = q * d. */
    private static void q8_0(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s, be);
        for (int j = 0; j < 32; j++) y[o + j] = x[s + 2 + j] * d;
    }

    /**
     * block_q2_K: scales[16] (4-bit scale, 4-bit min), qs[64] (2-bit quants), d, dmin (f16):
     * value = (d * scale) * q - (dmin * min), sixteen values per scale.
     */
    private static void q2_k(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s + 80, be);
        float min = half(x, s + 82, be);
        int q = s + 16;
        int is = 0;
        for (int n = 0; n < 256; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                int sc = x[s + is++] & 0xff;
                float dl = d * (sc & 0xf);
                float ml = min * (sc >>> 4);
                for (int l = 0; l < 16; l++) y[o++] = dl * (((x[q + l] & 0xff) >>> shift) & 3) - ml;
                sc = x[s + is++] & 0xff;
                dl = d * (sc & 0xf);
                ml = min * (sc >>> 4);
                for (int l = 0; l < 16; l++) y[o++] = dl * (((x[q + l + 16] & 0xff) >>> shift) & 3) - ml;
                shift += 2;
            }
            q += 32;
        }
    }

    /**
     * block_q3_K: hmask[32] (high bits), qs[64] (low 2 bits), scales[12] (sixteen 6-bit scales),
     * d (f16): value = (d * (scale - 32)) * (q - (high bit ? 0 : 4)).
     */
    private static void q3_k(byte[] x, int s, boolean be, float[] y, int o) {
        float dAll = half(x, s + 108, be);
        int hm = s;
        int q = s + 32;
        int sc = s + 96;
        // ggml unpacks the 12 scale bytes with 32-bit masks and shifts that never cross a byte,
        // so each output byte i of the 16 comes from scale bytes i%4 (+4) and 8 + i%4.
        int[] scales = new int[16];
        for (int i = 0; i < 4; i++) {
            int a = x[sc + i] & 0xff;
            int b = x[sc + 4 + i] & 0xff;
            int t = x[sc + 8 + i] & 0xff;
            scales[i] = (a & 0xf) | ((t & 3) << 4);
            scales[4 + i] = (b & 0xf) | (((t >>> 2) & 3) << 4);
            scales[8 + i] = (a >>> 4) | (((t >>> 4) & 3) << 4);
            scales[12 + i] = (b >>> 4) | (((t >>> 6) & 3) << 4);
        }
        int m = 1;
        int is = 0;
        for (int n = 0; n < 256; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                float dl = dAll * (scales[is++] - 32);
                for (int l = 0; l < 16; l++) {
                    int lo = ((x[q + l] & 0xff) >>> shift) & 3;
                    y[o++] = dl * (lo - ((x[hm + l] & m) != 0 ? 0 : 4));
                }
                dl = dAll * (scales[is++] - 32);
                for (int l = 0; l < 16; l++) {
                    int lo = ((x[q + l + 16] & 0xff) >>> shift) & 3;
                    y[o++] = dl * (lo - ((x[hm + l + 16] & m) != 0 ? 0 : 4));
                }
                shift += 2;
                m <<= 1;
            }
            q += 32;
        }
    }

    /**
     * block_q4_K: d, dmin (f16), scales[12] (eight 6-bit scales and mins), qs[128]: value =
     * (d * scale) * nibble - (dmin * min), 32 values per scale.
     */
    private static void q4_k(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s, be);
        float min = half(x, s + 2, be);
        int scales = s + 4;
        int q = s + 16;
        int is = 0;
        for (int j = 0; j < 256; j += 64) {
            float d1 = d * scale(x, scales, is);
            float m1 = min * minimum(x, scales, is);
            float d2 = d * scale(x, scales, is + 1);
            float m2 = min * minimum(x, scales, is + 1);
            for (int l = 0; l < 32; l++) y[o++] = d1 * (x[q + l] & 0xf) - m1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * ((x[q + l] & 0xff) >>> 4) - m2;
            q += 32;
            is += 2;
        }
    }

    /** block_q5_K: as q4_K with qh[32] holding each value's fifth bit (worth 16). */
    private static void q5_k(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s, be);
        float min = half(x, s + 2, be);
        int scales = s + 4;
        int qh = s + 16;
        int ql = s + 48;
        int is = 0;
        int u1 = 1;
        int u2 = 2;
        for (int j = 0; j < 256; j += 64) {
            float d1 = d * scale(x, scales, is);
            float m1 = min * minimum(x, scales, is);
            float d2 = d * scale(x, scales, is + 1);
            float m2 = min * minimum(x, scales, is + 1);
            for (int l = 0; l < 32; l++) y[o++] = d1 * ((x[ql + l] & 0xf) + ((x[qh + l] & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * (((x[ql + l] & 0xff) >>> 4) + ((x[qh + l] & u2) != 0 ? 16 : 0)) - m2;
            ql += 32;
            is += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    /**
     * block_q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8), d (f16):
     * value = d * scale * (6-bit - 32), sixteen values per scale.
     */
    private static void q6_k(byte[] x, int s, boolean be, float[] y, int o) {
        float d = half(x, s + 208, be);
        int ql = s;
        int qh = s + 128;
        int sc = s + 192;
        for (int n = 0; n < 256; n += 128) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = x[qh + l] & 0xff;
                int q1 = ((x[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
                int q2 = ((x[ql + l + 32] & 0xf) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = (((x[ql + l] & 0xff) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = (((x[ql + l + 32] & 0xff) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                y[o + l] = d * x[sc + is] * q1;
                y[o + l + 32] = d * x[sc + is + 2] * q2;
                y[o + l + 64] = d * x[sc + is + 4] * q3;
                y[o + l + 96] = d * x[sc + is + 6] * q4;
            }
            o += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }

    /** The 6-bit scale {@code j} of a q4_K/q5_K block's packed scales (ggml's get_scale_min_k4). */
    private static int scale(byte[] x, int q, int j) {
        if (j < 4) return x[q + j] & 63;
        return (x[q + j + 4] & 0xf) | (((x[q + j - 4] & 0xff) >>> 6) << 4);
    }

    /** The 6-bit min {@code j} of a q4_K/q5_K block's packed scales. */
    private static int minimum(byte[] x, int q, int j) {
        if (j < 4) return x[q + j + 4] & 63;
        return ((x[q + j + 4] & 0xff) >>> 4) | (((x[q + j] & 0xff) >>> 6) << 4);
    }

    private static float half(byte[] x, int p, boolean be) {
        int lo = x[p] & 0xff;
        int hi = x[p + 1] & 0xff;
        return halfToFloat(be ? (lo << 8) | hi : (hi << 8) | lo);
    }

    private static int u32(byte[] x, int p, boolean be) {
        int b0 = x[p] & 0xff;
        int b1 = x[p + 1] & 0xff;
        int b2 = x[p + 2] & 0xff;
        int b3 = x[p + 3] & 0xff;
        return be ? (b0 << 24) | (b1 << 16) | (b2 << 8) | b3 : (b3 << 24) | (b2 << 16) | (b1 << 8) | b0;
    }

    /**
     * IEEE binary16 to binary32, exactly (every half is a float): ggml's GGML_FP16_TO_FP32. A NaN
     * keeps its payload with the quiet bit set, as the x86 conversion and ggml's portable one give.
     */
    public static float halfToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13) | (mant != 0 ? 0x400000 : 0));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: exact, mant has 10 bits
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
