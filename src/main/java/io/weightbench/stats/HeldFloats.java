package io.weightbench.stats;

import io.weightbench.tensor.DType;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A whole tensor's values held as floats, for tensors small enough to hold (up to 2M values, less
 * in a small heap): its statistics and then its histogram over the range they give are computed
 * from one read of its bytes instead of two. The arrays are pooled, one per core and one more, in
 * all at most a sixteenth of the heap; a thread that finds none free reads twice instead.
 */
final class HeldFloats {

    private static final int ARRAYS = Runtime.getRuntime().availableProcessors() + 1;
    static final int CAPACITY = (int) Math.max(0, Math.min(1 << 21, Runtime.getRuntime().maxMemory() / (16L * 4 * ARRAYS)));
    private static final ConcurrentLinkedQueue<float[]> FREE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger MADE = new AtomicInteger();

    private HeldFloats() {}

    /** Whether {@link #report} takes this tensor: float32/16, bfloat16, contiguous in a file, small enough. */
    static boolean fits(TensorData t) {
        return ValueChunks.parallel(t) && t.dtype() != DType.FLOAT64 && t.numel() <= CAPACITY;
    }

    /**
     * Statistics and a linear histogram of a tensor that {@link #fits}, from one read; null when no
     * array is free (the caller then reads twice). Reports the bytes of both passes to the progress.
     */
    static TensorReport report(TensorData t, int bins, Progress progress) throws IOException {
        float[] f = take();
        if (f == null) return null;
        try {
            int n = (int) t.numel();
            read(t, f, progress);
            TensorStats.Accumulator acc = new TensorStats.Accumulator();
            int piece = ValueChunks.CHUNK_BYTES / t.dtype().itemSize();
            for (int off = 0; off < n; off += piece) acc = acc.merge(FastStats.floats(f, off, Math.min(piece, n - off)));
            TensorStats stats = acc.result();
            Histogram h = Histogram.ofFloats(f, n, bins, stats);
            progress.worked(t.nbytes());
            return new TensorReport(stats, h);
        } finally {
            FREE.offer(f);
        }
    }

    /** The tensor's values into {@code f[0 .. numel-1]}, read in 1 MiB pieces (each reported to the progress). */
    private static void read(TensorData t, float[] f, Progress progress) throws IOException {
        int item = t.dtype().itemSize();
        long total = t.nbytes();
        long base = t.byteOffset();
        ByteBuffer buf = ValueChunks.buffer();
        for (long done = 0; done < total; ) {
            int length = (int) Math.min(ValueChunks.CHUNK_BYTES, total - done);
            buf.clear().limit(length);
            t.storage().bytes().readInto(base + done, buf);
            buf.flip();
            ValueChunks.floats(buf, length / item, t.dtype(), f, (int) (done / item));
            done += length;
            progress.worked(length);
        }
    }

    private static float[] take() {
        float[] f = FREE.poll();
        if (f != null) return f;
        if (MADE.incrementAndGet() > ARRAYS) {
            MADE.decrementAndGet();
            return null;
        }
        return new float[CAPACITY];
    }
}
