package io.weightbench.stats;

import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.IOException;

/**
 * Single-pass statistics of a tensor's values (quantized tensors dequantized, complex as
 * magnitude, bool as 0/1). {@code mean}, {@code std} (population) and {@code l2} cover the finite
 * values; NaN and infinities are counted apart; {@code outsideFloat16} counts finite values beyond
 * float16's range (they overflow to infinity when cast).
 */
public record TensorStats(long count, double min, double max, double mean, double std, double l2, long nan, long posInf,
                          long negInf, long zeros, long outsideFloat16) {

    public static final double FLOAT16_MAX = 65504.0;
    static final int CHUNK = 1 << 16;

    public long inf() { return posInf + negInf; }

    public static TensorStats of(TensorData t) throws IOException {
        return of(t, Progress.none());
    }

    public static TensorStats of(TensorData t, Progress progress) throws IOException {
        if (FastStats.applies(t)) return FastStats.of(t, progress);
        return ValueChunks.fold(t, progress, new ValueChunks.Folder<Accumulator>() {
            @Override public Accumulator empty() { return new Accumulator(); }

            @Override public Accumulator chunk(double[] values, int n) {
                Accumulator a = new Accumulator();
                for (int i = 0; i < n; i++) a.add(values[i]);
                return a;
            }

            @Override public Accumulator merge(Accumulator a, Accumulator b) { return a.merge(b); }
        }).result();
    }

    /**
     * A summary of some values: one at a time (Welford's running mean and variance, stable over
     * billions of values), or whole chunks merged with Chan's formula.
     */
    static final class Accumulator {
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

        void add(double v) {
            count++;
            if (Double.isNaN(v)) {
                nan++;
                return;
            }
            if (v < min) min = v;
            if (v > max) max = v;
            if (Double.isInfinite(v)) {
                if (v > 0) posInf++;
                else negInf++;
                return;
            }
            if (v == 0) zeros++;
            if (Math.abs(v) > FLOAT16_MAX) outside16++;
            finite++;
            double d = v - mean;
            mean += d / finite;
            m2 += d * (v - mean);
            sumSquares += v * v;
        }

        Accumulator merge(Accumulator o) {
            Accumulator r = new Accumulator();
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
}
