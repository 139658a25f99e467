package io.weightbench.stats;

import io.weightbench.tensor.DType;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Statistics of contiguous little-endian float tensors (float32, float64, float16, bfloat16) read
 * straight from the file in 1 MiB chunks on every core ({@link ValueChunks#foldRaw}): each chunk
 * is summarised exactly (sum, then squared deviations from its own mean, while it is in cache) and
 * chunks are merged with Chan's formula ({@link TensorStats.Accumulator#merge}), so the result
 * equals the one-pass accumulator's up to rounding.
 */
final class FastStats {

    private static final ThreadLocal<float[]> FLOATS = ThreadLocal.withInitial(() -> new float[ValueChunks.CHUNK_BYTES / 4]);
    private static final ThreadLocal<double[]> VALUES = ThreadLocal.withInitial(() -> new double[ValueChunks.CHUNK_BYTES / 2]);

    private FastStats() {}

    static boolean applies(TensorData t) {
        return ValueChunks.parallel(t);
    }

    static TensorStats of(TensorData t, Progress progress) throws IOException {
        return ValueChunks.foldRaw(t, progress, FastStats::chunk, TensorStats.Accumulator::merge, new TensorStats.Accumulator()).result();
    }

    private static TensorStats.Accumulator chunk(ByteBuffer buf, DType dtype) {
        int n = buf.remaining() / dtype.itemSize();
        if (dtype == DType.FLOAT32) {
            TensorStats.Accumulator fast = float32(buf, n);
            if (fast != null) return fast;
        }
        double[] v = VALUES.get();
        ValueChunks.decode(buf, n, dtype, v);
        TensorStats.Accumulator p = new TensorStats.Accumulator();
        for (int i = 0; i < n; i++) p.add(v[i]);
        return p;
    }

    /**
     * The common case, one pass without branches on the values: sums shifted by the chunk's first
     * value (so the variance stays exact), range, zero and beyond-float16 counts. Null when the
     * chunk holds NaN or infinities, which the careful loop then counts.
     */
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
}
