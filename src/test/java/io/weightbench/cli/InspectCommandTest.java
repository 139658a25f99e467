package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inspect}: DESIGN.md's JSON contract, the readable table, and exit codes. */
class InspectCommandTest {

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = WeightbenchCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void jsonFollowsTheContract() throws Exception {
        Path f = TestFiles.fixtures().resolve("training_checkpoint.pth");
        Result r = run("inspect", "--json", "--hash", "--stats", f.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("file").asText()).isEqualTo(f.toString());
        assertThat(j.get("format").asText()).isEqualTo("torch-zip");
        assertThat(j.get("weights_entry").asText()).isEqualTo("state_dict");
        assertThat(j.get("metadata").get("epoch").asText()).isEqualTo("7");
        JsonNode first = j.get("tensors").get(0);
        assertThat(first.get("key").asText()).isEqualTo("state_dict.0.weight");
        assertThat(first.get("dtype").asText()).isEqualTo("float32");
        assertThat(first.get("shape").toString()).isEqualTo("[4,3,3,3]");
        assertThat(first.get("sha256").asText()).matches("[0-9a-f]{64}");
        JsonNode stats = first.get("stats");
        assertThat(stats.get("min").asDouble()).isLessThan(stats.get("max").asDouble());
        assertThat(stats.get("std").asDouble()).isPositive();
        assertThat(stats.get("nan").asLong()).isZero();
        assertThat(j.get("objects").toString()).contains("argparse.Namespace");
        assertThat(j.get("warnings").isArray()).isTrue();
    }

    @Test
    void entryOptionOverridesTheDetectedWeightsEntry() throws Exception {
        Path f = TestFiles.fixtures().resolve("training_checkpoint.pth");
        Result r = run("inspect", "--json", "--entry", "optimizer", f.toString());
        assertThat(new ObjectMapper().readTree(r.out()).get("weights_entry").asText()).isEqualTo("optimizer");
        Result bad = run("inspect", "--entry", "nope", f.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("no entry 'nope'").contains("state_dict");
    }

    @Test
    void tableListsKeyDtypeShapeElementsAndSize() {
        Result r = run("inspect", TestFiles.fixtures().resolve("dtypes_zip.pt").toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("format:        torch-zip")
                .containsPattern("bf16\\s+bfloat16\\s+\\[3, 4\\]\\s+12\\s+24 B")
                .contains("12 tensors");
    }

    @Test
    void statsAreRealNumbers() {
        Result r = run("inspect", "--stats", TestFiles.fixtures().resolve("views_zip.pt").toString());
        // base = arange(60): min 0, max 59, mean 29.5
        assertThat(r.out()).containsPattern("base\\s+float32.*\\s0\\.0+\\s+59\\.0+\\s+29\\.50*");
    }

    @Test
    void jsonEscapesEveryKeyCorrectly(@TempDir Path dir) throws Exception {
        String key = "a\"b\\c\nd\u0001\u00e9\ud83d\ude00/\t";
        String header = new ObjectMapper().writeValueAsString(java.util.Map.of(key,
                java.util.Map.of("dtype", "U8", "shape", java.util.List.of(1), "data_offsets", java.util.List.of(0, 1))));
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + 1).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = dir.resolve("keys.safetensors");
        Files.write(f, b.array());
        Result r = run("inspect", "--json", "--stats", f.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().chars().allMatch(ch -> ch < 0x80)).as("ASCII only, the rest escaped: " + r.out()).isTrue();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("tensors").get(0).get("key").asText()).isEqualTo(key);
        assertThat(j.get("tensors").get(0).get("stats").get("max").asDouble()).isZero();
    }

    @Test
    void statsCarryHistogramsLinearOrLog() throws Exception {
        String views = TestFiles.fixtures().resolve("views_zip.pt").toString();
        JsonNode base = tensor(new ObjectMapper().readTree(run("inspect", "--json", "--stats", "--bins", "6", views).out()), "base");
        JsonNode h = base.get("stats").get("histogram"); // arange(60) in 6 bins over [0, 59]
        assertThat(h.get("scale").asText()).isEqualTo("linear");
        assertThat(h.get("lo").asDouble()).isEqualTo(0.0);
        assertThat(h.get("hi").asDouble()).isEqualTo(59.0);
        assertThat(h.get("counts").toString()).isEqualTo("[10,10,10,10,10,10]");
        JsonNode log = tensor(new ObjectMapper().readTree(run("inspect", "--json", "--stats", "--bins", "2", "--log-histogram", views).out()), "base")
                .get("stats").get("histogram"); // |1..59| over log10 in [0, 1.77]: 1..7 and 8..59
        assertThat(log.get("scale").asText()).isEqualTo("log10_abs");
        assertThat(log.get("zeros").asLong()).isEqualTo(1);
        assertThat(log.get("counts").toString()).isEqualTo("[7,52]");
        JsonNode none = tensor(new ObjectMapper().readTree(run("inspect", "--json", "--stats", "--bins", "0", views).out()), "base");
        assertThat(none.get("stats").has("histogram")).isFalse();
        Result progress = run("inspect", "--json", "--stats", "--progress", views);
        assertThat(progress.err()).contains("stats: 100%");
    }

    private static JsonNode tensor(JsonNode listing, String key) {
        for (JsonNode t : listing.get("tensors")) if (t.get("key").asText().equals(key)) return t;
        throw new AssertionError("no tensor " + key);
    }

    @Test
    void badInputIsOneLineOnStderrAndExitTwo(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("notes.pt");
        Files.writeString(text, "not a checkpoint\n");
        Result r = run("inspect", text.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).startsWith("weightbench: " + text).doesNotContain("\n").doesNotContain("Exception");
        Result verbose = run("inspect", "--verbose", text.toString());
        assertThat(verbose.err()).contains("CheckpointException");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run("inspect").code()).isEqualTo(2);
        assertThat(run("frobnicate").code()).isEqualTo(2);
        assertThat(run("inspect", "--help").code()).isZero();
    }

    @Test
    void fileHashIsTheSha256OfTheFileBytes() throws Exception {
        Path f = TestFiles.fixtures().resolve("training_checkpoint.pth");
        String want = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        Result j = run("inspect", "--json", "--file-hash", f.toString());
        assertThat(j.code()).isZero();
        assertThat(new ObjectMapper().readTree(j.out()).get("file_sha256").asText()).isEqualTo(want);
        assertThat(run("inspect", "--file-hash", f.toString()).out()).contains("file sha256:   " + want);
        assertThat(new ObjectMapper().readTree(run("inspect", "--json", f.toString()).out()).has("file_sha256")).isFalse();
    }

    @Test
    void expectHashExitsOneOnAMismatchAsTimmsHashPrefixCheck() throws Exception {
        Path f = TestFiles.fixtures().resolve("training_checkpoint.pth");
        String want = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        Result ok = run("inspect", "--expect-hash", want.substring(0, 8).toUpperCase(java.util.Locale.ROOT), f.toString());
        assertThat(ok.code()).isZero();
        assertThat(ok.err()).isEmpty();
        String wrong = (want.charAt(0) == '0' ? "1" : "0") + want.substring(1, 8);
        Result bad = run("inspect", "--expect-hash", wrong, f.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("weightbench: " + f + ": sha256 " + want + " does not start with " + wrong);
        Result notHex = run("inspect", "--expect-hash", "xyz", f.toString());
        assertThat(notHex.code()).isEqualTo(2);
        assertThat(notHex.err()).contains("'xyz' is not a hash prefix");
    }

    @Test
    void fileHashOfAFolderIsRefusedInOneLine() {
        Path folder = TestFiles.fixtures().resolve("tfjs").resolve("sharded");
        assertThat(run("inspect", folder.toString()).code()).isZero();
        Result r = run("inspect", "--file-hash", folder.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("weightbench: " + folder + ": is not a single file: a file hash needs one file");
    }
}
