package io.weightbench.stats;

import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.stream.LongStream;

/**
 * Statistics of contiguous little-endian float tensors (float32, float64, float16, bfloat16) read
 * straight from the file in 1 MiB chunks on every core: each chunk is summarised exactly (sum,
 * then squared deviations from its own mean, while it is in cache) and chunks are merged with
 * Chan's formula, so the result equals the one-pass {@link TensorStats.Accumulator}'s up to
 * rounding.
 */
final class FastStats {

    static final int CHUNK_BYTES = 1 << 20;
    private static final float[] HALF = new float[65536];
    private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN));

    static {
        for (int i = 0; i < 65536; i++) HALF[i] = (float) ElementDecoder.halfToDouble((short) i);
    }

    private FastStats() {}

    static boolean applies(TensorData t) {
        DType d = t.dtype();
        return t.quantization().isEmpty() && t.isContiguous() && t.storage().order() == ByteOrder.LITTLE_ENDIAN
                && (d == DType.FLOAT32 || d == DType.FLOAT64 || d == DType.FLOAT16 || d == DType.BFLOAT16);
    }

    /** A summary of some values: exact within a chunk, merged across chunks. */
    static final class Part {
        long count;
        long finite;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double mean;
        double m2;
        double sumSquares;
        long nan;
        long posInf;
        long negInf;
        long zeros;
        long outside16;

        Part merge(Part o) {
            Part r = new Part();
            r.count = count + o.count;
            r.finite = finite + o.finite;
            r.min = Math.min(min, o.min);
            r.max = Math.max(max, o.max);
            if (r.finite > 0) {
                double delta = o.mean - mean;
                r.mean = mean + delta * o.finite / r.finite;
                r.m2 = m2 + o.m2 + delta * delta * ((double) finite * o.finite / r.finite);
            }
            r.sumSquares = sumSquares + o.sumSquares;
            r.nan = nan + o.nan;
            r.posInf = posInf + o.posInf;
            r.negInf = negInf + o.negInf;
            r.zeros = zeros + o.zeros;
            r.outside16 = outside16 + o.outside16;
            return r;
        }

        TensorStats result() {
            boolean none = finite == 0 && posInf + negInf == 0;
            return new TensorStats(count, none ? Double.NaN : min, none ? Double.NaN : max, finite == 0 ? Double.NaN : mean,
                    finite == 0 ? Double.NaN : Math.sqrt(m2 / finite), Math.sqrt(sumSquares), nan, posInf, negInf, zeros, outside16);
        }
    }

    static TensorStats of(TensorData t) throws IOException {
        int item = t.dtype().itemSize();
        long total = t.nbytes();
        long chunks = (total + CHUNK_BYTES - 1) / CHUNK_BYTES;
        long base = t.storageOffset() * item;
        ByteSource src = t.storage().bytes();
        LongStream range = LongStream.range(0, chunks);
        if (chunks > 1) range = range.parallel();
        try {
            Optional<Part> p = range.mapToObj(c -> chunk(src, base + c * CHUNK_BYTES, (int) Math.min(CHUNK_BYTES, total - c * CHUNK_BYTES), t.dtype()))
                    .reduce(Part::merge);
            return p.orElseGet(Part::new).result();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Part chunk(ByteSource src, long position, int length, DType dtype) {
        ByteBuffer buf = BUFFERS.get();
        buf.clear().limit(length);
        try {
            src.readInto(position, buf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buf.flip();
        int n = length / dtype.itemSize();
        if (dtype == DType.FLOAT32) {
            Part fast = float32(buf, n);
            if (fast != null) return fast;
        }
        return careful(buf, n, dtype);
    }

    /**
     * The common case, one pass without branches on the values: sums shifted by the chunk's first
     * value (so the variance stays exact), range, zero and beyond-float16 counts. Null when the
     * chunk holds NaN or infinities, which the careful loop then counts.
     */
    private static final ThreadLocal<float[]> FLOATS = ThreadLocal.withInitial(() -> new float[CHUNK_BYTES / 4]);

    private static Part float32(ByteBuffer buf, int n) {
        // one bulk copy into a heap array: element-wise access to a direct buffer costs a check per call
        float[] f = FLOATS.get();
        buf.asFloatBuffer().get(f, 0, n);
        float shift = f[0];
        double s1 = 0;
        double s2 = 0;
        double sq = 0;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        long zeros = 0;
        long outside = 0;
        for (int i = 0; i < n; i++) {
            float v = f[i];
            double d = (double) v - shift;
            s1 += d;
            s2 += d * d;
            sq += (double) v * v;
            min = Math.min(min, v);
            max = Math.max(max, v);
            zeros += v == 0 ? 1 : 0;
            outside += Math.abs(v) > 65504f ? 1 : 0;
        }
        if (!Double.isFinite(s1) || !Double.isFinite(s2) || Float.isNaN(min) || Float.isInfinite(min) || Float.isInfinite(max)) return null;
        Part p = new Part();
        p.count = n;
        p.finite = n;
        p.min = min;
        p.max = max;
        p.mean = shift + s1 / n;
        p.m2 = Math.max(0, s2 - s1 * s1 / n);
        p.sumSquares = sq;
        p.zeros = zeros;
        p.outside16 = outside;
        return p;
    }

    private static Part careful(ByteBuffer buf, int n, DType dtype) {
        // first pass: counts, range and sum of finite values
        Part p = new Part();
        p.count = n;
        double sum = 0;
        double sq = 0;
        long finite = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double v = value(buf, i, dtype);
            if (v != v) {
                p.nan++;
                continue;
            }
            if (v < min) min = v;
            if (v > max) max = v;
            if (v == Double.POSITIVE_INFINITY) {
                p.posInf++;
                continue;
            }
            if (v == Double.NEGATIVE_INFINITY) {
                p.negInf++;
                continue;
            }
            if (v == 0) p.zeros++;
            if (v > TensorStats.FLOAT16_MAX || v < -TensorStats.FLOAT16_MAX) p.outside16++;
            sum += v;
            sq += v * v;
            finite++;
        }
        p.min = min;
        p.max = max;
        p.finite = finite;
        p.sumSquares = sq;
        if (finite > 0) {
            double mean = sum / finite;
            double m2 = 0;
            for (int i = 0; i < n; i++) {
                double v = value(buf, i, dtype);
                if (v - v == 0) { // finite
                    double d = v - mean;
                    m2 += d * d;
                }
            }
            p.mean = mean;
            p.m2 = m2;
        }
        return p;
    }

    private static double value(ByteBuffer b, int i, DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> b.getFloat(i << 2);
            case FLOAT64 -> b.getDouble(i << 3);
            case FLOAT16 -> HALF[b.getShort(i << 1) & 0xffff];
            default -> Float.intBitsToFloat((b.getShort(i << 1) & 0xffff) << 16);
        };
    }
}
