package io.weightbench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;

/**
 * The one place where a failure inside a command becomes what the user reads: one line naming
 * the file (for an I/O error, the path and what was being done), whatever was thrown, out-of-memory
 * and stack overflow included. The exit code is always {@link WeightbenchCommand#BAD_INPUT}.
 */
public final class Failure {

    /** A line longer than this is cut: a message may quote a hostile file's text. */
    static final int MAX_LINE = 400;

    private Failure() {}

    /** The line for {@code thrown}, raised while the command {@code parse} named ran on its files. */
    static String line(Throwable thrown, CommandLine.ParseResult parse) {
        return line(thrown, inputs(parse));
    }

    /**
     * The line for {@code thrown}, raised while working on {@code inputs}: what the CLI prints after
     * "weightbench: " and what the workbench shows when a background task fails.
     */
    public static String line(Throwable thrown, List<Path> inputs) {
        Throwable e = unwrap(thrown);
        String files = inputs.isEmpty() ? "" : joined(inputs);
        String message = e.getMessage() == null ? "" : e.getMessage();
        String text;
        if (e instanceof OutOfMemoryError) {
            text = prefix(files) + "needs more memory than the Java heap allows (" + heap() + "): the input is too large"
                    + " or claims sizes it does not have";
        } else if (e instanceof StackOverflowError) {
            text = prefix(files) + "is nested too deeply to process (stack overflow)";
        } else if (e instanceof io.weightbench.checkpoint.CheckpointException) {
            text = message; // names its file already
        } else if (e instanceof FileSystemException fs) {
            text = fileSystem(fs);
        } else if (e instanceof IOException) {
            text = namesAFile(message, inputs) ? message : prefix(files) + (message.isEmpty() ? e.getClass().getSimpleName() : message);
        } else if (e instanceof RuntimeException || e instanceof Error) {
            // an unexpected state reached by hostile input: the file and what went wrong, not a Java class name
            text = prefix(files) + "could not be processed (" + describe(e) + ")";
        } else {
            text = prefix(files) + describe(e);
        }
        return oneLine(text);
    }

    /** For an I/O error: the path, what was being done when it is known, and the system's reason. */
    private static String fileSystem(FileSystemException fs) {
        String file = fs.getFile() == null ? "" : fs.getFile();
        String reason = fs.getReason();
        if (reason == null) {
            if (fs instanceof NoSuchFileException) reason = "no such file or folder";
            else if (fs instanceof AccessDeniedException) reason = "permission denied";
            else reason = fs.getClass().getSimpleName();
        }
        String other = fs.getOtherFile() == null ? "" : " (and " + fs.getOtherFile() + ")";
        return file + other + ": " + reason.toLowerCase(Locale.ROOT).charAt(0) + reason.substring(1);
    }

    private static boolean namesAFile(String message, List<Path> inputs) {
        for (Path p : inputs) if (message.contains(p.toString())) return true;
        return false;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        String kind = switch (e.getClass().getSimpleName()) {
            case "ArithmeticException" -> "a size overflows";
            case "NegativeArraySizeException" -> "a negative size";
            case "IndexOutOfBoundsException", "ArrayIndexOutOfBoundsException", "StringIndexOutOfBoundsException" -> "an index out of range";
            case "IllegalArgumentException", "IllegalStateException" -> "an inconsistent value";
            default -> e.getClass().getSimpleName();
        };
        return m == null || m.isBlank() ? kind : kind + ": " + m;
    }

    private static String prefix(String files) {
        return files.isEmpty() ? "" : files + ": ";
    }

    private static String heap() {
        long max = Runtime.getRuntime().maxMemory();
        return max == Long.MAX_VALUE ? "no limit" : (max >> 20) + " MB; raise it with -Xmx";
    }

    /** Exceptions that only carry another. */
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException || t instanceof UncheckedIOException
                || t instanceof CommandLine.ExecutionException || t.getClass() == RuntimeException.class) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Every file and folder the command was given (positional parameters and options typed Path). */
    static List<Path> inputs(CommandLine.ParseResult parse) {
        List<Path> out = new ArrayList<>();
        CommandLine.ParseResult p = parse;
        while (p != null) {
            for (CommandLine.Model.ArgSpec a : p.matchedArgs()) {
                if (a.type() == Path.class && a.getValue() instanceof Path path && !out.contains(path)) out.add(path);
                if (a.type() == String.class && a.paramLabel().matches("(MODEL|FILE|A|B).*") && a.getValue() instanceof String s
                        && !s.startsWith("catalog:")) {
                    Path path = Path.of(s);
                    if (!out.contains(path)) out.add(path);
                }
            }
            p = p.subcommand();
        }
        return out;
    }

    private static String joined(List<Path> paths) {
        List<String> s = new ArrayList<>();
        for (Path p : paths) s.add(p.toString());
        return String.join(", ", s);
    }

    /** One line, cut to {@link #MAX_LINE} characters, control characters shown as '?'. */
    static String oneLine(String text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_LINE + 3));
        for (int i = 0; i < text.length() && b.length() < MAX_LINE; i++) {
            char c = text.charAt(i);
            b.append(c == '\n' || c == '\r' || c == '\t' ? ' ' : Character.isISOControl(c) ? '?' : c);
        }
        if (text.length() > MAX_LINE) b.append("...");
        return b.toString();
    }
}
