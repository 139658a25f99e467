package io.weightbench.export;

import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts writing a file's data to disk while the rest is still being written: each time another
 * {@link #STEP} bytes have gone into the file and the previous flush has finished, a {@code
 * force(false)} runs on a thread of its own. The disk then works during the copy instead of after
 * it, and the final fsync (which alone makes the file durable, and reports any error) finds little
 * left to write. Errors of these early flushes are left to that final fsync.
 */
final class BackgroundSync implements AutoCloseable {

    static final long STEP = 256L << 20;

    private final FileChannel channel;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weightbench-sync");
        t.setDaemon(true);
        return t;
    });
    private Future<?> running;
    private long unflushed;

    BackgroundSync(FileChannel channel) {
        this.channel = channel;
    }

    /** Counts bytes written to the file; may start a flush. */
    void written(long bytes) {
        unflushed += bytes;
        if (unflushed >= STEP && (running == null || running.isDone())) {
            unflushed = 0;
            running = thread.submit(() -> {
                channel.force(false);
                return null;
            });
        }
    }

    @Override
    public void close() {
        thread.shutdown();
    }
}
