package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** A run builds only the subcommand it is asked for; help and a bad command name still see them all. */
class WeightbenchCommandTest {

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = WeightbenchCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEverySubcommandInOrder() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        String commands = r.out().substring(r.out().indexOf("Commands:"));
        int at = 0;
        for (Class<?> c : WeightbenchCommand.SUBCOMMANDS) {
            String name = WeightbenchCommand.nameOf(c);
            int i = commands.indexOf("\n  " + name + " ");
            assertThat(i).as(name).isGreaterThan(at);
            at = i;
        }
    }

    @Test
    void eachSubcommandRunsOnItsOwn() {
        for (Class<?> c : WeightbenchCommand.SUBCOMMANDS) {
            String name = WeightbenchCommand.nameOf(c);
            Run r = run(name, "--help");
            assertThat(r.code()).as(name).isZero();
            assertThat(r.out()).as(name).startsWith("Usage: weightbench " + name + " ");
        }
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        Run r = run("inspec", "x.pth");
        assertThat(r.code()).isEqualTo(WeightbenchCommand.BAD_INPUT);
        assertThat(r.err()).contains("Unmatched arguments from index 0: 'inspec', 'x.pth'").contains("weightbench --help");
    }

    @Test
    void anyFailureEndsAsOneLineNamingTheFile() {
        picocli.CommandLine cl = new picocli.CommandLine(new WeightbenchCommand());
        cl.addSubcommand(InspectCommand.class);
        picocli.CommandLine.ParseResult parsed = cl.parseArgs("inspect", "some/model.pth");
        assertThat(Failure.line(new OutOfMemoryError("Java heap space"), parsed))
                .startsWith("some/model.pth: needs more memory than the Java heap allows");
        assertThat(Failure.line(new StackOverflowError(), parsed)).isEqualTo("some/model.pth: is nested too deeply to process (stack overflow)");
        assertThat(Failure.line(new IllegalArgumentException("region [338, -9223372036854775808)"), parsed))
                .isEqualTo("some/model.pth: could not be processed (an inconsistent value: region [338, -9223372036854775808))");
        assertThat(Failure.line(new java.nio.file.FileSystemException("out/fixed.pth.partial", null, "No space left on device"), parsed))
                .isEqualTo("out/fixed.pth.partial: no space left on device");
        assertThat(Failure.line(new java.util.concurrent.ExecutionException(new ArithmeticException("long overflow")), parsed))
                .isEqualTo("some/model.pth: could not be processed (a size overflows: long overflow)");
        String longMessage = Failure.line(new java.io.IOException("bad header " + "x\n".repeat(10_000)), parsed);
        assertThat(longMessage).doesNotContain("\n").hasSizeLessThanOrEqualTo(Failure.MAX_LINE + 3);
    }
}
