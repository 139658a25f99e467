package io.weightbench.app;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The view models' and the session's observable state, made here so that, while {@link #check} is
 * on (the tests turn it on), every read and write of it off the FX thread is recorded with where
 * it happened: background work must get immutable snapshots, never reach back into the state the
 * FX thread changes. Off (the application), these are the plain JavaFX properties and lists.
 */
final class FxChecked {

    private FxChecked() {}

    /** Whether reads and writes off the FX thread are recorded. */
    static volatile boolean check = Boolean.getBoolean("weightbench.checkFxThread");

    private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();

    /** What was read or written off the FX thread since the last {@link #clear()}: the thread and the caller. */
    static List<String> violations() { return List.copyOf(VIOLATIONS); }

    static void clear() { VIOLATIONS.clear(); }

    /** The thread that turned checking on (a test that polls the state while it waits): not the application's. */
    private static volatile Thread observer;

    /** Turns checking on, with the calling thread (a test's) as an observer whose reads are not recorded. */
    static void start() {
        observer = Thread.currentThread();
        VIOLATIONS.clear();
        check = true;
    }

    static void stop() {
        check = false;
        observer = null;
    }

    /** Records the caller when it is off the FX thread (while checking). */
    static void onFxThread() {
        if (!check || Platform.isFxApplicationThread() || Thread.currentThread() == observer) return;
        StackTraceElement[] stack = new Throwable().getStackTrace();
        String where = "?";
        for (StackTraceElement e : stack) {
            if (e.getClassName().startsWith("io.weightbench.app.") && !e.getClassName().startsWith(FxChecked.class.getName())) {
                where = e.getClassName() + "." + e.getMethodName() + ":" + e.getLineNumber();
                break;
            }
        }
        VIOLATIONS.add(Thread.currentThread().getName() + " at " + where);
    }

    static <T> ObjectProperty<T> object(T initial) {
        return new SimpleObjectProperty<>(initial) {
            @Override public T get() { onFxThread(); return super.get(); }
            @Override public void set(T v) { onFxThread(); super.set(v); }
        };
    }

    static StringProperty string(String initial) {
        return new SimpleStringProperty(initial) {
            @Override public String get() { onFxThread(); return super.get(); }
            @Override public void set(String v) { onFxThread(); super.set(v); }
        };
    }

    static BooleanProperty bool(boolean initial) {
        return new SimpleBooleanProperty(initial) {
            @Override public boolean get() { onFxThread(); return super.get(); }
            @Override public void set(boolean v) { onFxThread(); super.set(v); }
        };
    }

    static IntegerProperty integer(int initial) {
        return new SimpleIntegerProperty(initial) {
            @Override public int get() { onFxThread(); return super.get(); }
            @Override public void set(int v) { onFxThread(); super.set(v); }
        };
    }

    static DoubleProperty number(double initial) {
        return new SimpleDoubleProperty(initial) {
            @Override public double get() { onFxThread(); return super.get(); }
            @Override public void set(double v) { onFxThread(); super.set(v); }
        };
    }

    static <T> ReadOnlyObjectWrapper<T> readOnlyObject() {
        return new ReadOnlyObjectWrapper<>() {
            @Override public T get() { onFxThread(); return super.get(); }
            @Override public void set(T v) { onFxThread(); super.set(v); }
        };
    }

    static ReadOnlyBooleanWrapper readOnlyBool() {
        return new ReadOnlyBooleanWrapper() {
            @Override public boolean get() { onFxThread(); return super.get(); }
            @Override public void set(boolean v) { onFxThread(); super.set(v); }
        };
    }

    /** An observable list whose every element read, size and change is checked (the list's views and iterators go through them). */
    static <T> ObservableList<T> list() {
        return FXCollections.observableList(new ArrayList<T>() {
            @Override public T get(int i) { onFxThread(); return super.get(i); }
            @Override public int size() { onFxThread(); return super.size(); }
            @Override public boolean isEmpty() { onFxThread(); return super.isEmpty(); }
            @Override public java.util.Iterator<T> iterator() { onFxThread(); return super.iterator(); }
            @Override public java.util.stream.Stream<T> stream() { onFxThread(); return super.stream(); }
            @Override public Object[] toArray() { onFxThread(); return super.toArray(); }
            @Override public <A> A[] toArray(A[] a) { onFxThread(); return super.toArray(a); }
        });
    }
}
