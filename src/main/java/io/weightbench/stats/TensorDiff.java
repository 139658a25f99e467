package io.weightbench.stats;

import io.weightbench.tensor.ElementReader;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.IOException;

/**
 * How two tensors of the same shape differ, element by element (values as {@link TensorStats}
 * reads them): largest and mean absolute difference, RMS, relative L2 change
 * {@code ||a-b|| / ||a||}, cosine similarity, and how many positions are non-finite in either.
 * Non-finite pairs are left out of the sums and counted. Optionally a histogram of the
 * differences {@code b - a}, over [-max_abs, max_abs] (a second pass).
 */
public record TensorDiff(long count, double maxAbs, double meanAbs, double rms, double relL2, double cosine, long nonFinite,
                         double normA, double normB, double normDiff, Histogram histogram) {

    public static TensorDiff of(TensorData a, TensorData b) throws IOException {
        return of(a, b, 0, Progress.none());
    }

    /** @param bins bins of the difference histogram; 0 for none (the caller counts its pass in the progress's total) */
    public static TensorDiff of(TensorData a, TensorData b, int bins, Progress progress) throws IOException {
        if (a.numel() != b.numel()) throw new IllegalArgumentException("tensors of " + a.numel() + " and " + b.numel() + " elements");
        long bytes = a.nbytes() + b.nbytes();
        ElementReader ra = new ElementReader(a);
        ElementReader rb = new ElementReader(b);
        int chunk = (int) Math.min(TensorStats.CHUNK, Math.max(1, a.numel()));
        double[] x = new double[chunk];
        double[] y = new double[chunk];
        double maxAbs = 0;
        double sumAbs = 0;
        double sumSq = 0;
        double aa = 0;
        double bb = 0;
        double ab = 0;
        long finite = 0;
        long nonFinite = 0;
        for (long s = 0; s < a.numel(); s += chunk) {
            int n = (int) Math.min(chunk, a.numel() - s);
            ra.read(s, x, n);
            rb.read(s, y, n);
            for (int i = 0; i < n; i++) {
                double u = x[i];
                double v = y[i];
                if (!Double.isFinite(u) || !Double.isFinite(v)) {
                    nonFinite++;
                    continue;
                }
                double d = Math.abs(u - v);
                if (d > maxAbs) maxAbs = d;
                sumAbs += d;
                sumSq += d * d;
                aa += u * u;
                bb += v * v;
                ab += u * v;
                finite++;
            }
            progress.worked(bytes * n / a.numel());
        }
        Histogram histogram = null;
        if (bins > 0) {
            double lim = finite == 0 ? 0 : maxAbs;
            double lo = lim == 0 ? -1 : -lim;
            double hi = lim == 0 ? 1 : lim;
            long[] counts = new long[bins];
            for (long s = 0; s < a.numel(); s += chunk) {
                int n = (int) Math.min(chunk, a.numel() - s);
                ra.read(s, x, n);
                rb.read(s, y, n);
                for (int i = 0; i < n; i++) Histogram.add(counts, bins, y[i] - x[i], lo, hi);
                progress.worked(bytes * n / a.numel());
            }
            histogram = new Histogram(Histogram.Scale.LINEAR, lo, hi, counts, 0);
        }
        double normA = Math.sqrt(aa);
        double normB = Math.sqrt(bb);
        double normD = Math.sqrt(sumSq);
        return new TensorDiff(a.numel(), finite == 0 ? Double.NaN : maxAbs, finite == 0 ? Double.NaN : sumAbs / finite,
                finite == 0 ? Double.NaN : Math.sqrt(sumSq / finite), normA == 0 ? (normD == 0 ? 0 : Double.POSITIVE_INFINITY) : normD / normA,
                normA == 0 || normB == 0 ? Double.NaN : ab / (normA * normB), nonFinite, normA, normB, normD, histogram);
    }
}
