package io.weightbench.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.format.Formats;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stated limits, on files written here (too large to commit): tensor and key/value counts,
 * name lengths, the 64 MiB a header may keep; and a tensor count that puts '{' at byte 8, where
 * safetensors' probe looks.
 */
class GgufLimitsTest {

    /** A little-endian GGUF writer for the cases below. */
    static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            return this;
        }

        Bytes u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        Bytes header(long tensors, long kvs) {
            out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
            return u32(3).u64(tensors).u64(kvs);
        }

        Bytes zeros(int n) {
            out.writeBytes(new byte[n]);
            return this;
        }

        Path write(Path file) throws Exception {
            Files.write(file, out.toByteArray());
            return file;
        }
    }

    static String refusal(Path f) {
        try (Checkpoint c = Formats.standard().open(f)) {
            throw new AssertionError("opened " + f + " with " + c.tensors().size() + " tensors");
        } catch (CheckpointException e) {
            assertThat(e.getMessage()).doesNotContain("\n").startsWith(f + ": ");
            return e.getMessage();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void moreTensorsThanTheLimitAreRefusedBeforeReadingThem(@TempDir Path dir) throws Exception {
        Path f = new Bytes().header(GgufHeader.MAX_TENSORS + 1, 0).zeros(24 * (int) (GgufHeader.MAX_TENSORS + 1)).write(dir.resolve("t.gguf"));
        assertThat(refusal(f)).endsWith("the GGUF header lists 262145 tensors, over this program's limit of 262144");
    }

    @Test
    void moreKeyValuesThanTheLimitAreRefused(@TempDir Path dir) throws Exception {
        Path f = new Bytes().header(0, GgufHeader.MAX_KV + 1).zeros(13 * (int) (GgufHeader.MAX_KV + 1)).write(dir.resolve("kv.gguf"));
        assertThat(refusal(f)).endsWith("the GGUF header has 65537 key/value pairs, over this program's limit of 65536");
    }

    @Test
    void aNameOverSixtyFourKilobytesIsRefused(@TempDir Path dir) throws Exception {
        Path f = new Bytes().header(1, 0).str("x".repeat(GgufHeader.MAX_NAME + 1)).u32(1).u64(4).u32(0).u64(0).zeros(64)
                .write(dir.resolve("name.gguf"));
        assertThat(refusal(f)).endsWith("the GGUF header has a name of 65537 bytes (the name of tensor 0), over the 65536-byte limit");
    }

    @Test
    void pastSixtyFourMegabytesOfValuesEachValueIsShownShort(@TempDir Path dir) throws Exception {
        int n = 1100; // 1100 strings of 64 KiB: 68.75 MiB, more than a header keeps
        String big = "v".repeat(GgufValues.MAX_SHOWN + 10);
        Path f = dir.resolve("values.gguf");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(f))) {
            out.write(new Bytes().header(0, n).out.toByteArray());
            for (int i = 0; i < n; i++) {
                Bytes kv = new Bytes().str(String.format("k%04d", i)).u32(8).str(big);
                out.write(kv.out.toByteArray());
            }
        }
        try (Checkpoint c = Formats.standard().open(f)) {
            assertThat(c.metadata().get("k0000")).isEqualTo("v".repeat(GgufValues.MAX_SHOWN) + "... (65546 bytes in all)");
            assertThat(c.metadata().get("k1099")).isEqualTo("v".repeat(GgufValues.MIN_SHOWN) + "... (65546 bytes in all)");
            long kept = c.metadata().values().stream().mapToLong(String::length).sum();
            assertThat(kept).isLessThan(GgufValues.Budget.CHARS + 2 * GgufValues.MAX_SHOWN + n * 300L);
        }
    }

    @Test
    void aTensorCountThatPutsABraceAtByteEightIsStillGguf(@TempDir Path dir) throws Exception {
        // 0x097b tensors: bytes 8 and 9 are '{' and '\t', what the safetensors probe looks for
        int count = 0x097b;
        Bytes b = new Bytes().header(count, 0);
        for (int i = 0; i < count; i++) b.str("t" + i).u32(1).u64(0).u32(0).u64(0);
        Path f = b.zeros(32).write(dir.resolve("brace.gguf"));
        try (Checkpoint c = Formats.standard().open(f)) {
            assertThat(c.format()).isEqualTo("gguf");
            assertThat(c.tensors()).hasSize(count);
        }
    }

    @Test
    void aKeyNamedLikeOneOfOurFactsIsShownBesideIt(@TempDir Path dir) throws Exception {
        Path f = new Bytes().header(0, 1).str("GGUF.version").u32(8).str("mine").write(dir.resolve("facts.gguf"));
        try (Checkpoint c = Formats.standard().open(f)) {
            assertThat(c.metadata()).containsEntry("GGUF.version", "3").containsEntry("GGUF.version (key/value)", "mine");
            assertThat(c.warnings()).containsExactly("the key/value 'GGUF.version' has the name of a fact this program reports;"
                    + " it is shown as 'GGUF.version (key/value)'");
        }
    }
}
