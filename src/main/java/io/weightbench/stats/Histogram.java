package io.weightbench.stats;

import io.weightbench.tensor.ElementReader;
import io.weightbench.tensor.TensorData;
import java.io.IOException;

/** Counts of a tensor's finite values in {@code bins} equal bins over [lo, hi] (the last bin includes hi). */
public record Histogram(double lo, double hi, long[] counts) {

    public static Histogram of(TensorData t, int bins, double lo, double hi) throws IOException {
        long[] counts = new long[bins];
        ElementReader r = new ElementReader(t);
        double[] buf = new double[(int) Math.min(TensorStats.CHUNK, Math.max(1, t.numel()))];
        for (long s = 0; s < t.numel(); s += buf.length) {
            int n = (int) Math.min(buf.length, t.numel() - s);
            r.read(s, buf, n);
            for (int i = 0; i < n; i++) add(counts, buf[i], lo, hi);
        }
        return new Histogram(lo, hi, counts);
    }

    /** Over the tensor's own finite range. */
    public static Histogram of(TensorData t, int bins) throws IOException {
        TensorStats s = TensorStats.of(t);
        double lo = Double.isFinite(s.min()) ? s.min() : 0;
        double hi = Double.isFinite(s.max()) ? s.max() : 0;
        return of(t, bins, lo, hi);
    }

    static void add(long[] counts, double v, double lo, double hi) {
        if (!Double.isFinite(v) || v < lo || v > hi) return;
        int bins = counts.length;
        int i = hi > lo ? (int) ((v - lo) / (hi - lo) * bins) : 0;
        counts[Math.min(i, bins - 1)]++;
    }

    public long total() {
        long t = 0;
        for (long c : counts) t += c;
        return t;
    }
}
