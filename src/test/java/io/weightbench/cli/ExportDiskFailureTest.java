package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports into a full disk and a read-only folder, for real (issue 18), in a child JVM: a file size
 * limit ({@code ulimit -f}: writes fail with EFBIG, as on a full disk; HotSpot ignores SIGXFSZ), a
 * small tmpfs (ENOSPC) and a read-only bind mount (EROFS) where this machine lets us mount, and a
 * folder without write permission for a user that is not root. Each: exit 2, one line naming the
 * output and what was being done, no temporary file left, the input unchanged.
 */
class ExportDiskFailureTest {

    /** A safetensors file of one 4 MiB float32 tensor. */
    static Path input(Path dir) throws IOException {
        Path in = dir.resolve("in.safetensors");
        int n = 1 << 20;
        byte[] header = ("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + 4 * n + "]}}   ").getBytes(StandardCharsets.US_ASCII);
        int hl = (header.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + hl + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hl).put(header);
        while (b.position() < 8 + hl) b.put((byte) ' ');
        for (int i = 0; i < n; i++) b.putFloat(i * 0.5f);
        Files.write(in, b.array());
        return in;
    }

    record Run(int code, String err) {}

    /** The launcher in a child JVM, under {@code limits} (a shell line run before it: "ulimit -f 1024"). */
    static Run run(String limits, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", limits + " && exec \"$@\"", "bash",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:-UsePerfData",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "io.weightbench.Launcher"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), err);
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    /** Exports {@code in} into {@code out} (.safetensors, .pth, and sharded) and checks how each failed. */
    static void exportsFailCleanly(String limits, Path in, Path outDir, String reason) throws Exception {
        String before = sha256(in);
        for (String[] extra : new String[][] {{"fixed.safetensors"}, {"fixed.pth"}, {"fixed.safetensors", "--shard-size", "3MB"}}) {
            Path out = outDir.resolve(extra[0]);
            List<String> args = new ArrayList<>(List.of("apply", in.toString(), "-o", out.toString()));
            for (int i = 1; i < extra.length; i++) args.add(extra[i]);
            Run r = run(limits, args.toArray(String[]::new));
            String what = String.join(" ", args);
            assertThat(r.code()).as(what + ": " + r.err()).isEqualTo(2);
            String line = r.err().strip();
            System.out.println("export failure: " + line);
            assertThat(line).as(what).startsWith("weightbench: ").doesNotContain("\n").doesNotContain("\tat ")
                    .contains(outDir.toString()).containsIgnoringCase(reason).containsPattern("writing|creating");
            if (Files.isDirectory(outDir)) {
                try (Stream<Path> left = Files.list(outDir)) {
                    assertThat(left).as(what + ": files left").isEmpty();
                }
            }
            assertThat(sha256(in)).as(what + ": input unchanged").isEqualTo(before);
        }
    }

    @Test
    void aFileSizeLimitFailsTheExportLikeAFullDisk(@TempDir Path dir) throws Exception {
        Path in = input(dir);
        Path out = Files.createDirectories(dir.resolve("out"));
        exportsFailCleanly("ulimit -f 1024", in, out, "file too large");
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs a system command; true when it succeeded. */
    static boolean sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void aFullTmpfsFailsTheExport(@TempDir Path dir) throws Exception {
        Path in = input(dir);
        Path out = Files.createDirectories(dir.resolve("full"));
        boolean mounted = root() && sh("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", out.toString());
        TestFiles.require(mounted, "cannot mount a tmpfs here (needs root and mount rights): the full-disk case runs under ulimit -f only");
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here");
        try {
            exportsFailCleanly("true", in, out, "no space left on device");
        } finally {
            sh("umount", out.toString());
        }
    }

    @Test
    void aReadOnlyFolderFailsTheExport(@TempDir Path dir) throws Exception {
        Path in = input(dir);
        Path out = Files.createDirectories(dir.resolve("ro"));
        boolean mounted = false;
        String reason;
        if (root()) {
            // root writes through permissions: a read-only bind mount of the folder
            mounted = sh("mount", "--bind", out.toString(), out.toString()) && sh("mount", "-o", "remount,ro,bind", out.toString());
            if (!mounted) sh("umount", out.toString());
            reason = "read-only file system";
        } else {
            assertThat(out.toFile().setWritable(false, false)).isTrue();
            reason = "permission denied";
        }
        TestFiles.require(mounted || !root(), "running as root without mount rights: no read-only folder to write into");
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted || !root(), "no read-only folder here");
        try {
            assertThat(out.resolve("probe").toFile().createNewFile()).as("the folder is read-only").isFalse();
        } catch (IOException expected) {
            // read-only as intended
        }
        try {
            exportsFailCleanly("true", in, out, reason);
            // a folder to create inside it
            exportsFailCleanly("true", in, out.resolve("sub"), reason);
        } finally {
            if (mounted) sh("umount", out.toString());
            else out.toFile().setWritable(true, false);
        }
    }
}
