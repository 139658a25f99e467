package io.weightbench.app;

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

    /** The exception's message, or its type when it has none. */
    static String message(Exception e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The problem, naming the file once. */
    static String about(String file, Exception e) {
        String m = message(e);
        return m.contains(file) ? m : file + ": " + m;
    }
}
