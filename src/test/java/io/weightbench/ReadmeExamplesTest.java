package io.weightbench;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.cli.WeightbenchCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every CLI example in README.md runs as shown. An example is an indented line starting with
 * {@code $ weightbench} (continued by a trailing backslash); the indented lines after it, up to a
 * blank line, are output that must appear (whitespace aside; "..." lines skip); a line "[exit N]"
 * names the exit code, 0 otherwise. Examples that need torch or libtorch are marked "[torch]".
 * The README's {@code /tmp/} files are written into the test's own temporary folder instead.
 */
class ReadmeExamplesTest {

    record Example(String command, List<String> expected, int exit, boolean torch) {}

    static List<Example> examples(List<String> lines) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("    $ weightbench ")) continue;
            StringBuilder cmd = new StringBuilder(line.substring(6).trim());
            while (cmd.toString().endsWith("\\") && i + 1 < lines.size()) {
                cmd.setLength(cmd.length() - 1);
                cmd.append(' ').append(lines.get(++i).trim());
            }
            List<String> expected = new ArrayList<>();
            int exit = 0;
            boolean torch = false;
            while (i + 1 < lines.size() && lines.get(i + 1).startsWith("    ") && !lines.get(i + 1).startsWith("    $ ")) {
                String e = lines.get(++i).trim();
                if (e.matches("\\[exit \\d+]")) exit = Integer.parseInt(e.replaceAll("\\D", ""));
                else if (e.equals("[torch]")) torch = true;
                else if (!e.equals("...")) expected.add(e);
            }
            out.add(new Example(cmd.toString(), expected, exit, torch));
        }
        return out;
    }

    @Test
    void everyExampleRunsAsShown(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        List<Example> examples = examples(Files.readAllLines(Path.of("README.md")));
        assertThat(examples).hasSizeGreaterThanOrEqualTo(8);
        for (Example e : examples) {
            if (e.torch() && !TestFiles.torchAvailable()) continue; // libtorch runs everywhere; this marks torch-made inputs
            String[] args = e.command().substring("weightbench ".length()).trim().replace("/tmp/", tmp + "/").split("\\s+");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = WeightbenchCommand.run(new PrintWriter(out), new PrintWriter(err), args);
            String all = normalise(out + "\n" + err);
            assertThat(code).as(e.command() + "\n" + all).isEqualTo(e.exit());
            for (String want : e.expected()) assertThat(all).as(e.command()).contains(normalise(want.replace("/tmp/", tmp + "/")));
        }
    }

    private static String normalise(String s) {
        return s.replaceAll("[ \\t]+", " ");
    }
}
