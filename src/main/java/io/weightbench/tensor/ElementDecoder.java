package io.weightbench.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes canonical (little-endian) element bytes into doubles, for every dtype: IEEE floats,
 * float16, bfloat16, both float8 formats, signed and unsigned integers, bool, complex (as
 * magnitude) and quantized integers (dequantized with their scale and zero point).
 */
public final class ElementDecoder {

    /** Receives decoded values in row-major order; {@code index} is the element's linear index. */
    @FunctionalInterface
    public interface ValueSink {
        void accept(long index, double value);
    }

    private static final double[] FP8_E4M3FN = table(4, 3, 7, false);
    private static final double[] FP8_E5M2 = table(5, 2, 15, true);

    private ElementDecoder() {}

    /** Streams every element of {@code t} as a double (quantized tensors dequantized). */
    public static void forEach(TensorData t, ValueSink sink) throws IOException {
        DType dtype = t.dtype();
        if (dtype.isBlockQuantized()) {
            forEachBlock(t, sink);
            return;
        }
        int item = dtype.itemSize();
        Dequantizer dq = t.quantization().isPresent() ? new Dequantizer(t) : null;
        long[] index = {0};
        CanonicalBytes.stream(t, (chunk, length) -> {
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, length).order(ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < length; p += item) {
                double v = decode(dtype, b, p);
                if (dq != null) v = dq.apply(index[0], v);
                sink.accept(index[0]++, v);
            }
        });
    }

    /** A block-quantized tensor, dequantized block by block as ggml does. */
    private static void forEachBlock(TensorData t, ValueSink sink) throws IOException {
        DType dtype = t.dtype();
        int item = dtype.itemSize();
        int per = dtype.blockSize();
        float[] values = new float[per];
        long[] index = {0};
        ByteOrder order = t.storage().order();
        CanonicalBytes.stream(t, (chunk, length) -> {
            for (int p = 0; p < length; p += item) {
                BlockQuant.toFloat(dtype, order, chunk, p, 1, values, 0);
                for (int i = 0; i < per; i++) sink.accept(index[0]++, values[i]);
            }
        });
    }

    /** Decodes one element at byte {@code p} of {@code b} (little-endian). */
    public static double decode(DType dtype, ByteBuffer b, int p) {
        return switch (dtype) {
            case FLOAT64 -> b.getDouble(p);
            case FLOAT32 -> b.getFloat(p);
            case FLOAT16 -> halfToDouble(b.getShort(p));
            case BFLOAT16 -> Float.intBitsToFloat((b.getShort(p) & 0xffff) << 16);
            case FLOAT8_E4M3FN -> FP8_E4M3FN[b.get(p) & 0xff];
            case FLOAT8_E5M2 -> FP8_E5M2[b.get(p) & 0xff];
            case INT64 -> b.getLong(p);
            case INT32, QINT32 -> b.getInt(p);
            case INT16 -> b.getShort(p);
            case INT8, QINT8 -> b.get(p);
            case UINT64 -> unsignedLongToDouble(b.getLong(p));
            case UINT32 -> b.getInt(p) & 0xffffffffL;
            case UINT16 -> b.getShort(p) & 0xffff;
            case UINT8, QUINT8 -> b.get(p) & 0xff;
            case BOOL -> b.get(p) != 0 ? 1 : 0;
            case COMPLEX64 -> Math.hypot(b.getFloat(p), b.getFloat(p + 4));
            case COMPLEX128 -> Math.hypot(b.getDouble(p), b.getDouble(p + 8));
            case Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K ->
                    throw new IllegalArgumentException(dtype + " values are decoded a block at a time");
        };
    }

    public static double halfToDouble(short bits) {
        int h = bits & 0xffff;
        int sign = (h >>> 15) != 0 ? -1 : 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) return sign * mant * 0x1p-24;
        if (exp == 31) return mant == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        return sign * (1 + mant / 1024.0) * Math.pow(2, exp - 15);
    }

    private static double unsignedLongToDouble(long v) {
        double d = (double) (v >>> 1) * 2.0;
        return d + (v & 1);
    }

    /** All 256 values of an 8-bit float with the given exponent and mantissa widths. */
    private static double[] table(int expBits, int mantBits, int bias, boolean ieeeSpecials) {
        double[] t = new double[256];
        int expMax = (1 << expBits) - 1;
        for (int i = 0; i < 256; i++) {
            int sign = (i >>> 7) != 0 ? -1 : 1;
            int exp = (i >>> mantBits) & expMax;
            int mant = i & ((1 << mantBits) - 1);
            double v;
            if (ieeeSpecials && exp == expMax) {
                v = mant == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
            } else if (!ieeeSpecials && exp == expMax && mant == (1 << mantBits) - 1) {
                v = Double.NaN; // e4m3fn: no infinities, one NaN pattern per sign
            } else if (exp == 0) {
                v = sign * mant * Math.pow(2, 1 - bias - mantBits);
            } else {
                v = sign * (1 + mant / (double) (1 << mantBits)) * Math.pow(2, exp - bias);
            }
            t[i] = v;
        }
        return t;
    }

    /** {@code (q - zero_point) * scale}, per tensor or per channel. */
    static final class Dequantizer {
        private final Quantization q;
        private final double[] scales;
        private final double[] zeroPoints;
        private final long inner;
        private final long channels;

        Dequantizer(TensorData t) throws IOException {
            this.q = t.quantization().orElseThrow();
            if (q.isPerChannel()) {
                scales = readAll(q.scales().orElseThrow());
                zeroPoints = readAll(q.zeroPoints().orElseThrow());
                long[] shape = t.shape();
                long in = 1;
                for (int i = q.axis() + 1; i < shape.length; i++) in *= shape[i];
                inner = in;
                channels = shape.length > q.axis() && q.axis() >= 0 ? shape[q.axis()] : 1;
            } else {
                scales = null;
                zeroPoints = null;
                inner = 1;
                channels = 1;
            }
        }

        /** As torch's {@code dequantize()}: {@code (q - zero_point) * scale}, stored as float32. */
        double apply(long index, double raw) {
            if (scales == null) return (float) ((raw - q.zeroPoint()) * q.scale());
            int c = (int) ((index / inner) % channels);
            double s = c < scales.length ? scales[c] : Double.NaN;
            double z = c < zeroPoints.length ? zeroPoints[c] : 0;
            return (float) ((raw - z) * s);
        }

        private static double[] readAll(TensorData t) throws IOException {
            if (t.numel() > 1 << 24) throw new IOException("per-channel quantization with " + t.numel() + " channels");
            double[] out = new double[(int) t.numel()];
            forEach(t, (i, v) -> out[(int) i] = v);
            return out;
        }
    }
}
