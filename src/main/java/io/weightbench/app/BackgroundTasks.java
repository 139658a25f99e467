package io.weightbench.app;

import io.weightbench.tensor.Progress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;

/**
 * The workbench's one way to work off the FX thread (JabRef's BackgroundTask / TaskExecutor,
 * Cryptomator's Tasks): a task runs on a {@link Lane}, reports {@link Progress}, can be cancelled,
 * and hands its result to {@code onSuccess} / {@code onError} / {@code onCancelled} / {@code
 * andFinally} on the FX thread. A task started in a <em>slot</em> ("checkpoint", "statistics" ...)
 * makes the slot's previous task stale: it is cancelled and none of its callbacks run, so a late
 * result never overwrites a newer one. This is the only class that hops threads; view models are
 * tested with {@link #direct()}, which runs everything on the calling thread.
 */
final class BackgroundTasks {

    /** Where work runs: files are opened and closed in order on one thread, tensor data read on another. */
    enum Lane {
        /** Opening and closing files, rules I/O. */
        FILES,
        /** Reading tensor data: statistics, histograms, diffs, exports, verify. */
        COMPUTE,
        /** Key-list work too slow for the FX thread with thousands of keys (suggestions and their effects). */
        KEYS,
        /** Whole-file hashes: seconds for a large file, and nothing else waits behind them. */
        HASH
    }

    /** The work of a task, off the FX thread; reports into and checks {@code progress}. */
    @FunctionalInterface
    interface Work<T> {
        T run(Progress progress) throws Exception;
    }

    private final Map<Lane, Executor> lanes;
    private final Executor fx;
    private final List<ExecutorService> owned;
    private final ScheduledExecutorService ticker;
    /** The newest task per slot; touched on the FX thread only. */
    private final Map<String, Task<?>> slots = new HashMap<>();

    private BackgroundTasks(Map<Lane, Executor> lanes, Executor fx, List<ExecutorService> owned, ScheduledExecutorService ticker) {
        this.lanes = lanes;
        this.fx = fx;
        this.owned = owned;
        this.ticker = ticker;
    }

    /** One daemon thread per lane, results on the FX thread, progress published ten times a second. */
    static BackgroundTasks threads() {
        Map<Lane, Executor> lanes = new EnumMap<>(Lane.class);
        List<ExecutorService> owned = new ArrayList<>();
        for (Lane l : Lane.values()) {
            ExecutorService e = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
                    daemon("weightbench-" + l.name().toLowerCase(java.util.Locale.ROOT)));
            lanes.put(l, e);
            owned.add(e);
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("weightbench-progress"));
        owned.add(ticker);
        BackgroundTasks t = new BackgroundTasks(lanes, Platform::runLater, owned, ticker);
        t.deferred = true;
        return t;
    }

    /** Everything on the calling thread, in order: view-model tests without a window. */
    static BackgroundTasks direct() {
        Map<Lane, Executor> lanes = new EnumMap<>(Lane.class);
        for (Lane l : Lane.values()) lanes.put(l, Runnable::run);
        return new BackgroundTasks(lanes, Runnable::run, List.of(), null);
    }

    /** Every lane on {@code lanes}, results through {@code fx}: tests that hold work back to see what a stale result does. */
    static BackgroundTasks on(Executor lanes, Executor fx) {
        Map<Lane, Executor> all = new EnumMap<>(Lane.class);
        for (Lane l : Lane.values()) all.put(l, lanes);
        return new BackgroundTasks(all, fx, List.of(), null);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** A task not yet started: add its callbacks, then {@link Task#start()}. */
    <T> Task<T> task(Lane lane, Work<T> work) {
        return new Task<>(lane, work);
    }

    /** Whether work waits on {@code lane} behind the task running there (with real threads; never otherwise). */
    boolean queued(Lane lane) {
        return lanes.get(lane) instanceof java.util.concurrent.ThreadPoolExecutor e && !e.getQueue().isEmpty();
    }

    /** Makes the slot's running task stale (cancelled, no callbacks). */
    void cancel(String slot) {
        Task<?> t = slots.remove(slot);
        if (t != null) t.makeStale();
    }

    /** Whether data work (not files) starts after the FX thread's next pulse: with real threads only. */
    private boolean deferred;

    /** Runs {@code r} once the pulse after this one has begun (so this one's CSS and layout are done). */
    private static void afterNextPulse(Runnable r) {
        new javafx.animation.AnimationTimer() {
            private int pulses;

            @Override public void handle(long now) {
                if (++pulses < 2) return;
                stop();
                r.run();
            }
        }.start();
    }

    /**
     * For the FX thread: a runnable that runs {@code r} once, later in this turn of the FX thread,
     * however often it is called before then (a listener that fires once per key of a batch of
     * results, where the views need to hear of the batch once).
     */
    static Runnable oncePerTurn(Runnable r) {
        boolean[] pending = {false};
        return () -> {
            if (pending[0]) return;
            pending[0] = true;
            Platform.runLater(() -> {
                pending[0] = false;
                r.run();
            });
        };
    }

    /** Stops the threads (the window closed). */
    void shutdown() {
        for (ExecutorService e : owned) e.shutdownNow();
    }

    /** One piece of background work and what happens to its result. */
    final class Task<T> {

        private final Lane lane;
        private final Work<T> work;
        private Consumer<T> onSuccess = r -> {};
        private Consumer<Throwable> onError = e -> {};
        private Runnable onCancelled = () -> {};
        private Runnable andFinally = () -> {};
        private String slot;
        private final Progress progress = new Progress(0);
        private final ReadOnlyDoubleWrapper fraction = new ReadOnlyDoubleWrapper(0);
        private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
        private volatile boolean stale;

        private Task(Lane lane, Work<T> work) {
            this.lane = lane;
            this.work = work;
        }

        Task<T> onSuccess(Consumer<T> c) {
            onSuccess = c;
            return this;
        }

        /** With what the work threw: any exception, and errors too (out of memory, stack overflow), so the window stays usable. */
        Task<T> onError(Consumer<Throwable> c) {
            onError = c;
            return this;
        }

        /** When it was cancelled by {@link #cancel()} itself (not made stale by a newer task). */
        Task<T> onCancelled(Runnable r) {
            onCancelled = r;
            return this;
        }

        /** After success, error or cancel (not when stale). */
        Task<T> andFinally(Runnable r) {
            andFinally = r;
            return this;
        }

        /** The slot this task takes over: the task there before becomes stale. */
        Task<T> inSlot(String name) {
            slot = name;
            return this;
        }

        Progress progress() { return progress; }

        /** Between 0 and 1, on the FX thread. */
        ReadOnlyDoubleProperty fractionProperty() { return fraction.getReadOnlyProperty(); }

        ReadOnlyBooleanProperty runningProperty() { return running.getReadOnlyProperty(); }

        boolean isRunning() { return running.get(); }

        /** Starts it (call on the FX thread). */
        Task<T> start() {
            if (slot != null) {
                Task<?> before = slots.put(slot, this);
                if (before != null) before.makeStale();
            }
            running.set(true);
            java.util.concurrent.ScheduledFuture<?> tick = ticker == null ? null
                    : ticker.scheduleAtFixedRate(() -> fx.execute(() -> fraction.set(progress.fraction())), 100, 100, TimeUnit.MILLISECONDS);
            Runnable submit = () -> lanes.get(lane).execute(() -> {
                Runnable outcome;
                try {
                    T result = work.run(progress);
                    outcome = () -> {
                        fraction.set(1);
                        onSuccess.accept(result);
                    };
                } catch (CancellationException e) {
                    outcome = onCancelled;
                } catch (Throwable e) {
                    // errors too: out of memory (what the work held is unreachable now) and stack overflow end as a
                    // message like any failure, and the lane's thread lives on for the next task
                    outcome = () -> onError.accept(e);
                }
                if (tick != null) tick.cancel(false);
                Runnable then = outcome;
                fx.execute(() -> {
                    running.set(false);
                    if (slot != null && slots.get(slot) == this) slots.remove(slot);
                    if (stale) return;
                    try {
                        then.run();
                    } finally {
                        andFinally.run();
                    }
                });
            });
            // data work waits for the screen: the trees a new file brings are laid out before statistics and
            // suggestions take the second core (on 2 cores they slowed the first drop's layout by half)
            if (deferred && lane != Lane.FILES) afterNextPulse(submit);
            else submit.run();
            return this;
        }

        /** Cancels the work; {@code onCancelled} runs once it has stopped. */
        void cancel() {
            progress.cancel();
        }

        private void makeStale() {
            stale = true;
            progress.cancel();
        }
    }
}
