package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a separate JVM with a 256 MB heap: hostile and broken inputs end with exit code
 * 2 and one line on stderr, never an out-of-memory, a hang or a crash.
 */
class SubprocessTest {

    record Run(int code, String out, String err) {}

    static Run launch(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "io.weightbench.Launcher"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("wb-out", ".txt");
        Path err = Files.createTempFile("wb-err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("weightbench " + String.join(" ", args) + " did not finish in 180 s");
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void withoutADisplayTheWorkbenchSaysSoInOneLine() throws Exception {
        for (List<String> args : List.of(List.<String>of(), List.of(TestFiles.fixtures().resolve("dataparallel.pth").toString()))) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.weightbench.Launcher"));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
            pb.environment().remove("DISPLAY");
            pb.environment().remove("WAYLAND_DISPLAY");
            Process p = pb.start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(err).isEqualTo(2);
            assertThat(err.strip()).startsWith("weightbench: cannot open the workbench: there is no display").doesNotContain("\n")
                    .contains("weightbench --help");
        }
    }

    @Test
    void hostileInputsFailCleanlyInASmallHeap(@TempDir Path dir) throws Exception {
        Path huge = dir.resolve("huge.safetensors");
        byte[] h = new byte[24];
        java.nio.ByteBuffer.wrap(h).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong((1L << 62)).put("{\"a\":1}".getBytes(StandardCharsets.US_ASCII));
        Files.write(huge, h);
        Path bigString = dir.resolve("bigstring.pkl");
        byte[] s = new byte[16];
        java.nio.ByteBuffer.wrap(s).order(java.nio.ByteOrder.LITTLE_ENDIAN).put(new byte[] {(byte) 0x80, 4, (byte) 0x8d}).putLong(Long.MAX_VALUE - 8);
        Files.write(bigString, s);
        Path marks = dir.resolve("marks.pkl");
        Files.write(marks, ("\u0080\u0002" + "(".repeat(3_000_000)).getBytes(StandardCharsets.ISO_8859_1));
        for (Path p : List.of(huge, bigString, marks)) {
            Run r = launch("inspect", "--json", p.toString());
            assertThat(r.code()).as("exit code for %s: %s", p, r.err()).isEqualTo(2);
            assertThat(r.err().strip()).startsWith("weightbench: " + p).doesNotContain("\n").doesNotContain("OutOfMemory");
        }
    }

    /**
     * An index naming more shards than the process may have open files (ulimit -n 200, 600 shards):
     * hashing and exporting every tensor works, as idle shards' descriptors are closed and opened
     * again (it failed with "Too many open files").
     */
    @Test
    void anIndexOfMoreShardsThanOpenFilesAllowedIsReadAndExported(@TempDir Path dir) throws Exception {
        StringBuilder map = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        for (int i = 0; i < 600; i++) {
            String name = String.format("model-%05d-of-00600.safetensors", i);
            byte[] header = ("{\"w" + i + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}").getBytes(StandardCharsets.US_ASCII);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + header.length + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putLong(header.length).put(header).putFloat(i);
            Files.write(dir.resolve(name), b.array());
            map.append(i == 0 ? "" : ",").append("\"w").append(i).append("\": \"").append(name).append('"');
        }
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, map.append("}}").toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (List<String> args : List.of(List.of("inspect", "--hash", index.toString()),
                List.of("apply", index.toString(), "-o", dir.resolve("out.safetensors").toString()))) {
            List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n 200 && exec \"$@\"", "bash", java, "-Xmx256m",
                    "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "io.weightbench.Launcher"));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).doesNotContain("Too many open files");
        }
        Run r = launch("diff", index.toString(), dir.resolve("out.safetensors").toString());
        assertThat(r.out()).as(r.err()).contains("600 of 600 paired tensors identical");
    }

    @Test
    void corpusCheckpointOpensInASmallHeap() throws Exception {
        Path f = TestFiles.realworld().resolve("VladislavZh__COTIC/checkpoints__epoch_040.ckpt");
        Run r = launch("inspect", "--json", "--hash", f.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"weights_entry\":\"state_dict\"");
    }

    /**
     * An export killed with SIGKILL while writing leaves its temporary file; the next export into
     * that folder removes it (its process is gone) and says so, and the input is unchanged.
     */
    @Test
    void aKilledExportsPartialFileIsRemovedByTheNextExport(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("big.safetensors");
        long each = 128L << 20;
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < 4; i++) {
            if (i > 0) header.append(',');
            header.append("\"w").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[").append(each / 4)
                    .append("],\"data_offsets\":[").append(i * each).append(',').append((i + 1) * each).append("]}");
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(in.toFile(), "rw")) {
            raf.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.setLength(8 + h.length + 4 * each);
        }
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Path out = outDir.resolve("fixed.pth");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "io.weightbench.Launcher",
                "apply", in.toString(), "-o", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Path partial = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (partial == null && p.isAlive() && System.nanoTime() < deadline) {
            try (java.util.stream.Stream<Path> files = Files.list(outDir)) {
                partial = files.filter(f -> f.getFileName().toString().matches("\\.weightbench-\\d+-[0-9a-f]{16}\\.partial"))
                        .filter(f -> f.toFile().length() > (1 << 20)).findFirst().orElse(null);
            }
            Thread.sleep(20);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(partial != null, "the export finished before it could be killed");
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
        p.waitFor(30, TimeUnit.SECONDS);
        assertThat(partial).exists();
        assertThat(out).doesNotExist();
        // the next export may run in the same second the killed one last wrote: it removes only files older than itself
        Files.setLastModifiedTime(partial, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Run r = launch("apply", in.toString(), "-o", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out() + r.err()).contains("removed temporary files of killed exports");
        assertThat(partial).doesNotExist();
        try (java.util.stream.Stream<Path> files = Files.list(outDir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("fixed.pth");
        }
        Files.delete(out);
    }

    /** A 2 GiB checkpoint (sparse: 16 tensors of 128 MiB) exported through a rule in a 256 MB heap. */
    @Test
    void exportOfATwoGigabyteCheckpointRunsInASmallHeap(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("big.safetensors");
        StringBuilder header = new StringBuilder("{");
        long each = 128L << 20;
        for (int i = 0; i < 16; i++) {
            if (i > 0) header.append(',');
            header.append("\"layer").append(i).append(".weight\":{\"dtype\":\"F32\",\"shape\":[").append(each / 4)
                    .append("],\"data_offsets\":[").append(i * each).append(',').append((i + 1) * each).append("]}");
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(in.toFile(), "rw")) {
            raf.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.setLength(8 + h.length + 16 * each);
        }
        Path rules = dir.resolve("r.json");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"add_prefix\", \"prefix\": \"model.\"}]}");
        Path out = dir.resolve("fixed.pth");
        Run r = launch("apply", "--rules", rules.toString(), in.toString(), "-o", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("16 weights").contains("re-read and checked");
        assertThat(Files.size(out)).isGreaterThan(16 * each);
        Files.delete(out);
    }

    @Test
    void helpRunsWithoutStartingJavaFx() throws Exception {
        Run r = launch("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("inspect");
    }
}
