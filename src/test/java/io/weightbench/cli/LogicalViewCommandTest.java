package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A view larger than its storage on the command line (issue 18): over the stated multiple it is one
 * line naming the file and the option; with the limit raised, the work shows its progress in
 * logical bytes on stderr (--progress), like any other long work.
 */
class LogicalViewCommandTest {

    static final Path VIEW = Path.of("src", "test", "resources", "attack", "zip_stride0_view.pt");

    @Test
    void overTheMultipleEveryCommandSaysSoInOneLineNamingTheOption() {
        for (String[] args : new String[][] {{"check", VIEW.toString()}, {"inspect", "--hash", VIEW.toString()},
                {"inspect", "--stats", VIEW.toString()}, {"diff", VIEW.toString(), VIEW.toString()}}) {
            StringWriter err = new StringWriter();
            int code = WeightbenchCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
            assertThat(code).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString().strip()).as(String.join(" ", args)).startsWith("weightbench: ").contains(VIEW.toString())
                    .contains("over 1024 times its storage").contains("--max-view-multiple").doesNotContain("\n");
        }
    }

    @Test
    void underARaisedLimitHashingShowsProgressInLogicalBytes() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "io.weightbench.Launcher",
                "inspect", "--hash", "--progress", "--max-view-multiple", "0", VIEW.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            // "hash:   0% (0 B of 32.0 GiB)" first, then bytes done grow
            while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
                lines.add(line);
                if (lines.size() >= 3) break;
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(lines).hasSize(3).allMatch(l -> l.matches("hash: +\\d+% \\(.* of 32(\\.0)? GiB\\)"));
        assertThat(lines.get(2)).doesNotContain("(0 B of");
    }
}
