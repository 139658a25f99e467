package io.weightbench.app;

import io.weightbench.cli.Failure;
import java.nio.file.Path;
import java.util.List;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

/** What the view models tell the user in passing (a file that did not open, rules saved); the window shows the latest. */
final class Notices {

    /** One message; {@code problem} when something went wrong ({@code seq}: the same text twice is told twice). */
    record Notice(String text, boolean problem, long seq) {}

    private long seq;

    private final ReadOnlyObjectWrapper<Notice> latest = new ReadOnlyObjectWrapper<>();

    ReadOnlyObjectProperty<Notice> latestProperty() { return latest.getReadOnlyProperty(); }

    Notice latest() { return latest.get(); }

    void problem(String text) {
        latest.set(new Notice(text, true, ++seq));
    }

    void info(String text) {
        latest.set(new Notice(text, false, ++seq));
    }

    /** What went wrong, as the CLI says it ({@link Failure}): one line, out-of-memory and stack overflow included. */
    static String message(Throwable e) {
        return Failure.line(e, List.of());
    }

    /** What went wrong with {@code file}, naming it once: the line the CLI prints for it. */
    static String about(String file, Throwable e) {
        return Failure.line(e, List.of(Path.of(file)));
    }
}
