package io.weightbench.stats;

import io.weightbench.tensor.DType;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Statistics of contiguous little-endian float tensors (float32, float64, float16, bfloat16) read
 * straight from the file in 1 MiB chunks on every core ({@link ValueChunks#foldRaw}): each chunk
 * is summarised in one pass over its values as floats ({@link #floats}) and chunks are merged with
 * Chan's formula ({@link TensorStats.Accumulator#merge}), so the result equals the one-pass
 * accumulator's up to rounding.
 */
final class FastStats {

    private static final ThreadLocal<double[]> VALUES = ThreadLocal.withInitial(() -> new double[ValueChunks.CHUNK_BYTES / 8]);

    private FastStats() {}

    static boolean applies(TensorData t) {
        return ValueChunks.parallel(t);
    }

    static TensorStats of(TensorData t, Progress progress) throws IOException {
        return ValueChunks.foldRaw(t, progress, FastStats::chunk, TensorStats.Accumulator::merge, new TensorStats.Accumulator()).result();
    }

    private static TensorStats.Accumulator chunk(ByteBuffer buf, DType dtype) {
        int n = buf.remaining() / dtype.itemSize();
        if (dtype != DType.FLOAT64) {
            return floats(ValueChunks.floats(buf, dtype), 0, n);
        }
        double[] v = VALUES.get();
        ValueChunks.decode(buf, n, dtype, v);
        TensorStats.Accumulator p = new TensorStats.Accumulator();
        for (int i = 0; i < n; i++) p.add(v[i]);
        return p;
    }

    /** The summary of {@code f[off] .. f[off + n - 1]}. */
    static TensorStats.Accumulator floats(float[] f, int off, int n) {
        TensorStats.Accumulator fast = finiteFloats(f, off, n);
        if (fast != null) return fast;
        TensorStats.Accumulator p = new TensorStats.Accumulator();
        for (int i = off; i < off + n; i++) p.add(f[i]);
        return p;
    }

    /**
     * The common case, one pass: sums shifted by the first value (so the variance stays exact; the
     * sum of squares follows from them), the range by comparisons that rarely change it (cheaper
     * than Math.min's NaN and -0.0 handling), zeros by a branch that is rarely taken; values beyond
     * float16's range are counted by a second loop only when the range says there are some. Null
     * when the values hold NaN or infinities (the sums are then not finite), which the careful loop
     * then counts.
     */
    private static TensorStats.Accumulator finiteFloats(float[] f, int off, int n) {
        if (n == 0) return new TensorStats.Accumulator();
        float shift = f[off];
        double s1 = 0;
        double s2 = 0;
        float min = shift;
        float max = shift;
        int zeros = 0;
        int end = off + n;
        for (int i = off; i < end; i++) {
            float v = f[i];
            double d = (double) v - shift;
            s1 += d;
            s2 += d * d;
            if (v < min) min = v;
            if (v > max) max = v;
            if (v == 0) zeros++;
        }
        if (!Double.isFinite(s1) || !Double.isFinite(s2)) return null;
        int outside = 0;
        if (max > FLOAT16_MAX || min < -FLOAT16_MAX) {
            for (int i = off; i < end; i++) if (Math.abs(f[i]) > FLOAT16_MAX) outside++;
        }
        TensorStats.Accumulator p = new TensorStats.Accumulator();
        p.setShifted(n, shift, s1, s2);
        p.min = min;
        p.max = max;
        p.zeros = zeros;
        p.outside16 = outside;
        return p;
    }

    private static final float FLOAT16_MAX = (float) TensorStats.FLOAT16_MAX;
}
