package io.weightbench.tensor;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long pass over tensor bytes (statistics, diffs, exports), shared by the threads
 * doing it, and the way to cancel it: readers report bytes as they finish chunks; once {@link
 * #cancel} is called the next report throws {@link CancellationException}, which unwinds the work
 * (parallel streams included) to whoever started it.
 */
public final class Progress {

    private static final Progress NONE = new Progress(0);

    private final AtomicLong total;
    private final AtomicLong done = new AtomicLong();
    private volatile boolean cancelled;

    public Progress(long totalBytes) {
        this.total = new AtomicLong(Math.max(0, totalBytes));
    }

    /** For callers that neither watch nor cancel. */
    public static Progress none() { return NONE; }

    /** Records {@code bytes} more bytes done; throws if the work was cancelled. */
    public void worked(long bytes) {
        if (this == NONE) return;
        done.addAndGet(bytes);
        checkCancelled();
    }

    public void checkCancelled() {
        if (cancelled) throw new CancellationException("cancelled");
    }

    /** Adds work discovered later (a second pass over the same bytes). */
    public void addTotal(long bytes) {
        if (this != NONE) total.addAndGet(bytes);
    }

    public void cancel() {
        if (this != NONE) cancelled = true;
    }

    public boolean isCancelled() { return cancelled; }

    public long done() { return done.get(); }

    public long total() { return total.get(); }

    /** Between 0 and 1 (0 while the total is unknown). */
    public double fraction() {
        long t = total.get();
        return t <= 0 ? 0 : Math.min(1.0, (double) done.get() / t);
    }
}
