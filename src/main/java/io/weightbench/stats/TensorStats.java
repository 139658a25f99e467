package io.weightbench.stats;

import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.IOException;

/**
 * Single-pass statistics of a tensor's values (quantized tensors dequantized, complex as
 * magnitude, bool as 0/1). {@code min}, {@code max}, {@code mean}, {@code std} (population) and
 * {@code l2} cover the finite values; NaN and infinities are counted apart; {@code outsideFloat16} counts finite values beyond
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
     * A summary of some values: one at a time (Welford's running mean and variance), or whole chunks
     * merged with Chan's formula. The running mean is kept in two doubles (a sum and its rounding
     * error), so that a spread far smaller than the mean keeps its digits: 1e9 +- 1e-3 in float64
     * gives torch's float64 std to 1e-12, where a plain double mean loses four digits. min and max
     * cover the finite values; NaN and infinities are counted apart.
     */
    static final class Accumulator {
        long count;
        long finite;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        /** The mean of the finite values is meanHi + meanLo. */
        double meanHi;
        double meanLo;
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
            if (Double.isInfinite(v)) {
                if (v > 0) posInf++;
                else negInf++;
                return;
            }
            if (v < min) min = v;
            if (v > max) max = v;
            if (v == 0) zeros++;
            if (Math.abs(v) > FLOAT16_MAX) outside16++;
            finite++;
            double d = (v - meanHi) - meanLo;
            addToMean(d / finite);
            m2 += d * ((v - meanHi) - meanLo);
            sumSquares += v * v;
        }

        /** mean += x, keeping the rounding error of the sum (Knuth's two-sum). */
        private void addToMean(double x) {
            double s = meanHi + x;
            double bb = s - meanHi;
            double err = (meanHi - (s - bb)) + (x - bb);
            double lo = meanLo + err;
            meanHi = s + lo;
            meanLo = lo - (meanHi - s);
        }

        /** Sets the summary of {@code n} finite values from their sums around {@code shift} (Σ(v-shift), Σ(v-shift)²). */
        void setShifted(long n, double shift, double s1, double s2) {
            count = n;
            finite = n;
            meanHi = shift;
            meanLo = 0;
            addToMean(s1 / n);
            m2 = Math.max(0, s2 - s1 * s1 / n);
            sumSquares = Math.max(0, s2 + shift * (2 * s1 + (double) n * shift));
        }

        Accumulator merge(Accumulator o) {
            Accumulator r = new Accumulator();
            r.count = count + o.count;
            r.finite = finite + o.finite;
            r.min = Math.min(min, o.min);
            r.max = Math.max(max, o.max);
            if (finite == 0) {
                r.meanHi = o.meanHi;
                r.meanLo = o.meanLo;
                r.m2 = o.m2;
            } else if (o.finite == 0) {
                r.meanHi = meanHi;
                r.meanLo = meanLo;
                r.m2 = m2;
            } else {
                double delta = (o.meanHi - meanHi) + (o.meanLo - meanLo);
                r.meanHi = meanHi;
                r.meanLo = meanLo;
                r.addToMean(delta * o.finite / r.finite);
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
            boolean none = finite == 0;
            return new TensorStats(count, none ? Double.NaN : min, none ? Double.NaN : max, none ? Double.NaN : meanHi + meanLo,
                    none ? Double.NaN : Math.sqrt(m2 / finite), Math.sqrt(sumSquares), nan, posInf, negInf, zeros, outside16);
        }
    }
}
