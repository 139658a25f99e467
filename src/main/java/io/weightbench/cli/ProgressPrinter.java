package io.weightbench.cli;

import io.weightbench.tensor.Progress;
import java.io.PrintWriter;

/** Prints a long run's progress to stderr twice a second (--progress), and once more at the end. */
final class ProgressPrinter implements AutoCloseable {

    private final Progress progress;
    private final PrintWriter err;
    private final String what;
    private final Thread thread;

    ProgressPrinter(Progress progress, PrintWriter err, String what, boolean enabled) {
        this.progress = progress;
        this.err = err;
        this.what = what;
        this.thread = enabled ? new Thread(this::run, "weightbench-progress") : null;
        if (thread != null) {
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(500);
                print();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void print() {
        err.printf("%s: %3.0f%% (%s of %s)%n", what, 100 * progress.fraction(),
                io.weightbench.tensor.ByteCounts.human(progress.done()), io.weightbench.tensor.ByteCounts.human(progress.total()));
        err.flush();
    }

    @Override
    public void close() {
        if (thread == null) return;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        print();
    }
}
