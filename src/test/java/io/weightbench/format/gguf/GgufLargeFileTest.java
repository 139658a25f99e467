package io.weightbench.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listing does not depend on data size, and a real tokenizer's key/values do not make it slow: a
 * sparse 4.5 GiB GGUF with a llama-3-sized vocabulary (128,256 strings, their scores and types) and
 * a 4 GiB F16 tensor beside a q4_K one opens in well under a second, and the value at the far end of
 * the big tensor reads back.
 */
class GgufLargeFileTest {

    static final int VOCAB = 128_256;

    @Test
    void aFourGigabyteFileWithALargeVocabularyListsQuickly(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("big.gguf");
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(h, 3);
        u64(h, 2); // tensors
        u64(h, 4); // key/values
        str(h, "general.architecture");
        u32(h, 8);
        str(h, "llama");
        str(h, "tokenizer.ggml.tokens");
        u32(h, 9);
        u32(h, 8);
        u64(h, VOCAB);
        for (int i = 0; i < VOCAB; i++) str(h, "token" + i);
        str(h, "tokenizer.ggml.scores");
        u32(h, 9);
        u32(h, 6);
        u64(h, VOCAB);
        h.write(new byte[4 * VOCAB], 0, 4 * VOCAB);
        str(h, "tokenizer.ggml.token_type");
        u32(h, 9);
        u32(h, 5);
        u64(h, VOCAB);
        h.write(new byte[4 * VOCAB], 0, 4 * VOCAB);
        long big = 2L * 65536 * 32768; // F16 [32768, 65536]: 4 GiB
        str(h, "token_embd.weight");
        u32(h, 2);
        u64(h, 65536);
        u64(h, 32768);
        u32(h, 1);
        u64(h, 0);
        str(h, "blk.0.ffn_down.weight");
        u32(h, 2);
        u64(h, 4096);
        u64(h, 4096);
        u32(h, 12);
        u64(h, big);
        byte[] header = h.toByteArray();
        long dataStart = (header.length + 31) / 32 * 32;
        long q4k = 4096L * 4096 / 256 * 144;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(header);
            raf.setLength(dataStart + big + q4k); // sparse
            raf.seek(dataStart + big - 2);
            raf.write(new byte[] {0x00, 0x3c}); // the last F16 value: 1.0
        }

        long best = Long.MAX_VALUE;
        for (int run = 0; run < 20; run++) {
            long t0 = System.nanoTime();
            try (Checkpoint c = Formats.standard().open(f)) {
                assertThat(c.tensors()).hasSize(2);
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("GGUF 4.5 GiB, %d-token vocabulary: open to index in %.1f ms (best of 20)%n", VOCAB, best / 1e6);
        assertThat(best / 1e6).isLessThan(1000);

        try (Checkpoint c = Formats.standard().open(f)) {
            assertThat(c.metadata()).containsEntry("tokenizer.ggml.tokens", "[128256 strings: \"token0\", \"token1\", \"token2\", ...]");
            TensorData t = c.tensor("token_embd.weight").orElseThrow().data();
            assertThat(t.shape()).containsExactly(32768, 65536);
            TensorData last = new TensorData(t.storage(), t.dtype(), new long[] {2}, new long[] {1}, t.numel() - 2, java.util.Optional.empty());
            assertThat(TensorStats.of(last).max()).isEqualTo(1.0);
            assertThat(c.tensor("blk.0.ffn_down.weight").orElseThrow().data().dtype().torchName()).isEqualTo("q4_k");
        }
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(out, b.length);
        out.writeBytes(b);
    }
}
