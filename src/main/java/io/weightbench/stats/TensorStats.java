package io.weightbench.stats;

import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.TensorData;
import java.io.IOException;

/**
 * Single-pass summary statistics of a tensor's values (quantized tensors dequantized, complex as
 * magnitude). {@code mean} and {@code std} (population) cover the finite values only; NaN and
 * infinities are counted apart.
 */
public record TensorStats(long count, double min, double max, double mean, double std, long nan, long inf, long zeros) {

    public static TensorStats of(TensorData t) throws IOException {
        Accumulator a = new Accumulator();
        ElementDecoder.forEach(t, (i, v) -> a.add(v));
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
        long nan;
        long inf;
        long zeros;

        void add(double v) {
            count++;
            if (Double.isNaN(v)) {
                nan++;
                return;
            }
            if (Double.isInfinite(v)) {
                inf++;
                if (v < min) min = v;
                if (v > max) max = v;
                return;
            }
            if (v == 0) zeros++;
            if (v < min) min = v;
            if (v > max) max = v;
            finite++;
            double d = v - mean;
            mean += d / finite;
            m2 += d * (v - mean);
        }

        TensorStats result() {
            boolean none = finite == 0 && inf == 0;
            return new TensorStats(count, none ? Double.NaN : min, none ? Double.NaN : max,
                    finite == 0 ? Double.NaN : mean, finite == 0 ? Double.NaN : Math.sqrt(m2 / finite), nan, inf, zeros);
        }
    }
}
