package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.tensor.CanonicalBytes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded export killed (SIGKILL) between its shard renames (issue 18): the one moment a crash
 * leaves a partial set on disk. What remains is what docs/cli-json.md says — shards and temporary
 * files but no index, so no checkpoint (an earlier export's index was deleted before the renames) —
 * and the next export to the same name removes the killed one's temporary files and every shard
 * its new index does not name.
 */
class ExportCrashTest {

    /** A safetensors file of three 1 MiB float32 tensors a, b, c. */
    static Path input(Path dir) throws Exception {
        Path in = dir.resolve("in.safetensors");
        int n = 1 << 18;
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < 3; i++) {
            if (i > 0) h.append(',');
            h.append("\"").append((char) ('a' + i)).append("\":{\"dtype\":\"F32\",\"shape\":[").append(n).append("],\"data_offsets\":[")
                    .append((long) i * 4 * n).append(',').append((long) (i + 1) * 4 * n).append("]}");
        }
        h.append('}');
        while ((h.length() % 8) != 0) h.append(' ');
        byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 12 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (int i = 0; i < 3 * n; i++) b.putFloat(i * 0.25f);
        Files.write(in, b.array());
        return in;
    }

    static TreeSet<String> names(Path dir) throws Exception {
        TreeSet<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }

    static String apply(Path in, Path out, String shardSize) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = WeightbenchCommand.run(new PrintWriter(o), new PrintWriter(e), "apply", in.toString(), "-o", out.toString(), "--shard-size", shardSize);
        assertThat(code).as(e.toString()).isZero();
        return o.toString();
    }

    @Test
    void aKillBetweenShardRenamesLeavesNoCheckpointAndTheNextRunCleansUp(@TempDir Path dir) throws Exception {
        Path in = input(dir);
        Path folder = Files.createDirectories(dir.resolve("out"));
        Path out = folder.resolve("model.safetensors");
        // an earlier complete export of two shards
        apply(in, out, "2500KB");
        assertThat(names(folder)).containsExactly("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json");

        // three shards this time, killed right after the first is renamed into place
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dweightbench.test.pauseAfterFirstShardRename=120000", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                "io.weightbench.Launcher", "apply", in.toString(), "-o", out.toString(), "--shard-size", "1500KB"));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String seen;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            seen = r.readLine();
            assertThat(seen).isEqualTo("paused after the first shard's rename");
            p.destroyForcibly(); // SIGKILL: no finally block, no shutdown hook runs
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).isEqualTo(137);
        TreeSet<String> left = names(folder);
        // no index: no sharded checkpoint here (the old index went before the renames, the new one never came)
        assertThat(left).doesNotContain("model.safetensors.index.json").contains("model-00001-of-00003.safetensors")
                .doesNotContain("model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors");
        long partials = left.stream().filter(s -> s.matches("\\.weightbench-\\d+-[0-9a-f]{16}\\.partial")).count();
        assertThat(partials).as(left.toString()).isEqualTo(3); // shards 2 and 3 and the index, written and checked, not renamed
        StringWriter err = new StringWriter();
        assertThat(WeightbenchCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "inspect",
                folder.resolve("model.safetensors.index.json").toString())).isEqualTo(2);

        // the next run (a new process: temporary files newer than the running process are never taken for stale ones):
        // the killed run's temporary files and the shards no new index names are gone
        // (Linux gives a process's start time to the second: a run started within a second of the kill may leave them for the next)
        Thread.sleep(2000);
        SubprocessTest.Run next = SubprocessTest.launch("apply", in.toString(), "-o", out.toString(), "--shard-size", "1500KB");
        assertThat(next.code()).as(next.err()).isZero();
        String said = next.out();
        assertThat(said).contains("warning: removed temporary files of killed exports").contains("warning: removed shards of an earlier export");
        assertThat(names(folder)).containsExactly("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json");
        try (Checkpoint a = Formats.standard().open(in); Checkpoint b = Formats.standard().open(folder.resolve("model.safetensors.index.json"))) {
            assertThat(b.tensors()).hasSize(3);
            for (int i = 0; i < 3; i++) {
                assertThat(CanonicalBytes.sha256(b.tensors().get(i).data())).isEqualTo(CanonicalBytes.sha256(a.tensors().get(i).data()));
            }
        }
    }

    /** A shard-named file that the export reads is never taken for an earlier export's shard. */
    @Test
    void anInputNamedLikeAShardIsKept(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("out"));
        Path in = Files.move(input(dir), folder.resolve("model-00002-of-00005.safetensors"));
        String before = Files.readString(in, StandardCharsets.ISO_8859_1);
        String said = apply(in, folder.resolve("model.safetensors"), "1500KB");
        assertThat(said).doesNotContain("removed shards");
        assertThat(names(folder)).contains("model-00002-of-00005.safetensors", "model.safetensors.index.json");
        assertThat(Files.readString(in, StandardCharsets.ISO_8859_1)).isEqualTo(before);
    }
}
