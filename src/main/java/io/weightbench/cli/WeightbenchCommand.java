package io.weightbench.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code weightbench} command; each capability is a subcommand. */
@Command(name = "weightbench", mixinStandardHelpOptions = true, version = "weightbench 0.1.0",
        description = "Inspect, compare and fix neural-network checkpoints. Without a command, opens the workbench.")
public final class WeightbenchCommand implements Runnable {

    /**
     * The subcommands, in the order help lists them. A run builds only the one it is asked for
     * (picocli reads each command's annotations when it is added, tens of milliseconds apiece in a
     * fresh JVM); help, a bad or missing command name get them all.
     */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(InspectCommand.class, CompareCommand.class,
            SuggestCommand.class, ApplyCommand.class, DiffCommand.class, CheckCommand.class, IdentifyCommand.class,
            CatalogCommand.class, VerifyCommand.class);

    /** A subcommand's name, as its own {@code @Command} gives it. */
    static String nameOf(Class<?> subcommand) {
        return subcommand.getAnnotation(Command.class).name();
    }

    /** Exit codes of DESIGN.md: 0 success, 1 the check asked for failed, 2 bad input or usage. */
    public static final int OK = 0;
    public static final int CHECK_FAILED = 1;
    public static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static int run(String... args) {
        return run(new Stdout(System.out), new PrintWriter(System.err, true), args);
    }

    /**
     * The process's standard output as a writer that also lets ASCII-only text be written as bytes
     * (the JSON listings), skipping a char-by-char encoding that a short run would interpret.
     */
    static final class Stdout extends PrintWriter {
        private final java.io.OutputStream bytes;

        Stdout(java.io.OutputStream bytes) {
            super(bytes, true);
            this.bytes = bytes;
        }

        /** Writes text that holds only ASCII characters, after everything written before it. */
        void writeAscii(CharSequence ascii) {
            flush();
            try {
                bytes.write(ascii.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                bytes.flush();
            } catch (java.io.IOException e) {
                setError();
            }
        }
    }

    /** Any failure inside a command: one line naming the file on stderr (the stack trace only with --verbose), exit 2. */
    private static int fail(PrintWriter err, Throwable e, CommandLine.ParseResult parsed, boolean verbose) {
        err.println("weightbench: " + Failure.line(e, parsed));
        if (verbose) e.printStackTrace(err);
        err.flush();
        return BAD_INPUT;
    }

    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new WeightbenchCommand());
        Class<?> asked = null;
        for (Class<?> c : SUBCOMMANDS) if (args.length > 0 && nameOf(c).equals(args[0])) asked = c;
        for (Class<?> c : SUBCOMMANDS) if (asked == null || c == asked) cl.addSubcommand(c);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || (parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--verbose"));
            return fail(commandLine.getErr(), ex, parseResult, verbose);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("weightbench: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return BAD_INPUT;
        });
        int code;
        try {
            code = cl.execute(args);
        } catch (Throwable e) { // what picocli lets through: errors (out of memory, stack overflow)
            CommandLine.ParseResult parsed = cl.getParseResult();
            boolean verbose = false;
            for (String a : args) verbose |= a.equals("--verbose");
            code = fail(err, e, parsed, verbose);
        }
        out.flush();
        err.flush();
        return code;
    }
}
