package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/weightbench} against the packaged jar (runs in {@code verify}, after {@code package}):
 * the first run makes the class-data archive, later runs use it, and the output is the same as
 * the plain {@code java -jar}'s.
 */
class LauncherScriptIT {

    record Run(int code, String out, String err) {}

    static Run run(Path cache, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Path out = Files.createTempFile("wb", ".out");
        Path err = Files.createTempFile("wb", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void scriptMakesThenUsesItsArchiveAndPrintsWhatTheJarPrints(@TempDir Path cache) throws Exception {
        String fixture = TestFiles.fixtures().resolve("training_checkpoint.pth").toString();
        Run plain = run(cache, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                "target/weightbench.jar", "inspect", "--json", fixture));
        assertThat(plain.code()).as(plain.err()).isZero();
        Run first = run(cache, List.of("bin/weightbench", "inspect", "--json", fixture));
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo(plain.out());
        try (Stream<Path> files = Files.list(cache.resolve("weightbench"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("classes-") && n.endsWith(".jsa"));
        }
        Run second = run(cache, List.of("bin/weightbench", "inspect", "--json", fixture));
        assertThat(second.out()).isEqualTo(plain.out());
        assertThat(second.err()).isEmpty();
        Run bad = run(cache, List.of("bin/weightbench", "inspect", "/nonexistent.pt"));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("weightbench: /nonexistent.pt: no such file");
    }

    @Test
    void scriptWorksThroughALinkAndTwoCheckoutsKeepTheirOwnArchives(@TempDir Path cache, @TempDir Path elsewhere) throws Exception {
        String fixture = TestFiles.fixtures().resolve("training_checkpoint.pth").toString();
        // called through a link from another folder
        Path link = elsewhere.resolve("weightbench");
        Files.createSymbolicLink(link, Path.of("bin/weightbench").toAbsolutePath());
        Run viaLink = run(cache, List.of(link.toString(), "inspect", fixture));
        assertThat(viaLink.code()).as(viaLink.err()).isZero();
        assertThat(viaLink.out()).contains("format:        torch-zip");
        // a second checkout (its own bin/ and target/): both archives stay
        Path other = elsewhere.resolve("checkout2");
        Files.createDirectories(other.resolve("bin"));
        Files.createDirectories(other.resolve("target"));
        Files.copy(Path.of("bin/weightbench"), other.resolve("bin/weightbench"));
        Files.createSymbolicLink(other.resolve("target/weightbench.jar"), Path.of("target/weightbench.jar").toAbsolutePath());
        assertThat(run(cache, List.of(other.resolve("bin/weightbench").toString(), "inspect", fixture)).code()).isZero();
        assertThat(run(cache, List.of("bin/weightbench", "inspect", fixture)).code()).isZero();
        try (Stream<Path> files = Files.list(cache.resolve("weightbench"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsa"))).hasSize(2);
        }
    }
}
