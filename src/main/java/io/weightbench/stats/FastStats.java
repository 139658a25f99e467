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
 * Chan's formula ({@link TensorStats.Accumulator#merge}), so the result equals the one-pass
 * accumulator's up to rounding.
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

    static TensorStats of(TensorData t) throws IOException {
        int item = t.dtype().itemSize();
        long total = t.nbytes();
        long chunks = (total + CHUNK_BYTES - 1) / CHUNK_BYTES;
        long base = t.storageOffset() * item;
        ByteSource src = t.storage().bytes();
        LongStream range = LongStream.range(0, chunks);
        if (chunks > 1) range = range.parallel();
        try {
            Optional<TensorStats.Accumulator> p = range.mapToObj(c -> chunk(src, base + c * CHUNK_BYTES, (int) Math.min(CHUNK_BYTES, total - c * CHUNK_BYTES), t.dtype()))
                    .reduce(TensorStats.Accumulator::merge);
            return p.orElseGet(TensorStats.Accumulator::new).result();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static TensorStats.Accumulator chunk(ByteSource src, long position, int length, DType dtype) {
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
            TensorStats.Accumulator fast = float32(buf, n);
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

    private static TensorStats.Accumulator float32(ByteBuffer buf, int n) {
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
        TensorStats.Accumulator p = new TensorStats.Accumulator();
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

    /** Chunks with NaN or infinities, and the 16/64-bit types: value by value. */
    private static TensorStats.Accumulator careful(ByteBuffer buf, int n, DType dtype) {
        TensorStats.Accumulator p = new TensorStats.Accumulator();
        for (int i = 0; i < n; i++) p.add(value(buf, i, dtype));
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
