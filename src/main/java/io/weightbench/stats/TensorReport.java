package io.weightbench.stats;

import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.NoData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A tensor's statistics and value histogram, computed for many tensors at once on all cores (over
 * tensors, and over chunks of each large one) with progress and cancellation: what {@code inspect
 * --stats} prints and the workbench draws.
 */
public record TensorReport(TensorStats stats, Histogram histogram) {

    /**
     * @param bins 0 for statistics only
     * @param progress its total grows by the bytes to read (two passes with histograms); a cancel
     *                 ends the run with {@link java.util.concurrent.CancellationException}
     */
    /** The report of a tensor without data (a meta tensor): no statistics, no histogram. */
    public static final TensorReport NONE = new TensorReport(null, null);

    public static List<TensorReport> of(List<TensorEntry> tensors, int bins, Histogram.Scale scale, Progress progress) throws IOException {
        long bytes = 0;
        for (TensorEntry t : tensors) if (!NoData.holds(t.data())) bytes += t.data().nbytes();
        progress.addTotal(bins > 0 ? 2 * bytes : bytes);
        try {
            return tensors.parallelStream().map(t -> {
                if (NoData.holds(t.data())) return NONE; // a meta tensor: shape only, no values to summarise
                try {
                    if (bins > 0 && scale == Histogram.Scale.LINEAR && HeldFloats.fits(t.data())) {
                        TensorReport once = HeldFloats.report(t.data(), bins, progress);
                        if (once != null) return once;
                    }
                    TensorStats s = TensorStats.of(t.data(), progress);
                    Histogram h = bins > 0 ? Histogram.of(t.data(), bins, scale, s, progress) : null;
                    return new TensorReport(s, h);
                } catch (IOException e) {
                    throw new UncheckedIOException(new IOException("cannot read tensor " + t.key() + ": " + e.getMessage(), e));
                }
            }).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
