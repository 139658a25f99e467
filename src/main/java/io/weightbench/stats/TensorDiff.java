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
        Accumulator acc = new Accumulator();
        for (long s = 0; s < a.numel(); s += chunk) {
            int n = (int) Math.min(chunk, a.numel() - s);
            ra.read(s, x, n);
            rb.read(s, y, n);
            acc.add(x, y, n);
            progress.worked(bytes * n / a.numel());
        }
        Histogram histogram = null;
        if (bins > 0) {
            double lim = acc.finite == 0 ? 0 : acc.maxAbs;
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
        return acc.result(a.numel(), histogram);
    }

    /**
     * The sums behind a diff, over pairs of values added chunk by chunk (one tensor, or all of a
     * model's outputs): pairs with a NaN or an infinity are left out of the sums and counted, and
     * those that also differ (NaN against a number, +inf against -inf ...) counted apart.
     */
    public static final class Accumulator {
        double maxAbs;
        double sumAbs;
        double sumSq;
        double aa;
        double bb;
        double ab;
        long finite;
        long nonFinite;
        long nonFiniteDiffering;
        long firstDiffering = -1;
        private long seen;

        public void add(double[] x, double[] y, int n) {
            for (int i = 0; i < n; i++) {
                double u = x[i];
                double v = y[i];
                if (!Double.isFinite(u) || !Double.isFinite(v)) {
                    nonFinite++;
                    if (Double.compare(u, v) != 0) {
                        if (firstDiffering < 0) firstDiffering = seen + i;
                        nonFiniteDiffering++;
                    }
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
            seen += n;
        }

        /** Pairs added so far. */
        public long seen() { return seen; }

        /** Pairs of finite values (those in the sums). */
        public long finiteCount() { return finite; }

        /** Pairs where a NaN or an infinity in one does not match the other. */
        public long nonFiniteDiffering() { return nonFiniteDiffering; }

        /** The position (over everything added) of the first such pair, or -1. */
        public long firstDiffering() { return firstDiffering; }

        /**
         * ab / (|a| |b|); two all-zero tensors are the same direction (1), a zero tensor against a
         * non-zero one has none (0, as torch's cosine_similarity gives); NaN without finite values.
         */
        private double cosine(double normA, double normB, double ab) {
            if (finite == 0) return Double.NaN;
            if (normA == 0 && normB == 0) return 1;
            if (normA == 0 || normB == 0) return 0;
            return ab / (normA * normB);
        }

        public TensorDiff result(long count, Histogram histogram) {
            double normA = Math.sqrt(aa);
            double normB = Math.sqrt(bb);
            double normD = Math.sqrt(sumSq);
            return new TensorDiff(count, finite == 0 ? Double.NaN : maxAbs, finite == 0 ? Double.NaN : sumAbs / finite,
                    finite == 0 ? Double.NaN : Math.sqrt(sumSq / finite), normA == 0 ? (normD == 0 ? 0 : Double.POSITIVE_INFINITY) : normD / normA,
                    cosine(normA, normB, ab), nonFinite, normA, normB, normD, histogram);
        }
    }
}
