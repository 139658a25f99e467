package io.weightbench.stats;

import io.weightbench.tensor.ElementReader;
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
        if (FastStats.applies(t)) return FastStats.of(t);
        Accumulator a = new Accumulator();
        ElementReader r = new ElementReader(t);
        double[] buf = new double[(int) Math.min(CHUNK, Math.max(1, t.numel()))];
        for (long s = 0; s < t.numel(); s += buf.length) {
            int n = (int) Math.min(buf.length, t.numel() - s);
            r.read(s, buf, n);
            for (int i = 0; i < n; i++) a.add(buf[i]);
        }
        return a.result();
    }

    /** Welford's running mean and variance, numerically stable over billions of values. */
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
            if (Double.isInfinite(v)) {
                if (v > 0) posInf++;
                else negInf++;
                if (v < min) min = v;
                if (v > max) max = v;
                return;
            }
            if (v == 0) zeros++;
            if (Math.abs(v) > FLOAT16_MAX) outside16++;
            if (v < min) min = v;
            if (v > max) max = v;
            finite++;
            double d = v - mean;
            mean += d / finite;
            m2 += d * (v - mean);
            sumSquares += v * v;
        }

        TensorStats result() {
            boolean none = finite == 0 && posInf + negInf == 0;
            return new TensorStats(count, none ? Double.NaN : min, none ? Double.NaN : max, finite == 0 ? Double.NaN : mean,
                    finite == 0 ? Double.NaN : Math.sqrt(m2 / finite), Math.sqrt(sumSquares), nan, posInf, negInf, zeros, outside16);
        }
    }
}
