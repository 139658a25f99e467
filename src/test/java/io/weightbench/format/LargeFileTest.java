package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and tensors over 2 GiB: a sparse 2.5 GiB safetensors file holding one uint8 tensor of
 * 2.5 Gi elements (zeros but for marker bytes at both ends and across the 2 GiB line) opens and hashes
 * correctly through the chunked memory mapping, with a small heap.
 */
class LargeFileTest {

    static final long N = 2_684_354_560L; // 2.5 GiB

    @Test
    void tensorLargerThanTwoGigabytesIsReadThroughMappedWindows(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("huge.safetensors");
        byte[] header = ("{\"big\":{\"dtype\":\"U8\",\"shape\":[" + N + "],\"data_offsets\":[0," + N + "]}}")
                .getBytes(StandardCharsets.US_ASCII);
        long dataStart = 8 + header.length;
        long[] marks = {0, (1L << 31) - 1, 1L << 31, N - 1};
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            raf.write(header);
            raf.setLength(dataStart + N); // sparse: no disk space for the zeros
            for (int i = 0; i < marks.length; i++) {
                raf.seek(dataStart + marks[i]);
                raf.write(200 + i);
            }
        }
        try (Checkpoint c = Formats.standard().open(f)) {
            TensorData t = c.tensors().get(0).data();
            assertThat(t.numel()).isEqualTo(N);
            assertThat(CanonicalBytes.sha256(t)).isEqualTo(expectedSha());
            // the elements on both sides of the 2 GiB line, through the element decoder
            TensorData around = new TensorData(t.storage(), t.dtype(), new long[] {4}, new long[] {1}, (1L << 31) - 2,
                    java.util.Optional.empty());
            assertThat(TensorStats.of(around)).extracting(TensorStats::min, TensorStats::max, TensorStats::zeros)
                    .containsExactly(0.0, 202.0, 2L);
        }
    }

    /** SHA-256 of the expected bytes, computed without the reader. */
    private static String expectedSha() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long[] marks = {0, (1L << 31) - 1, 1L << 31, N - 1};
        byte[] buf = new byte[1 << 20];
        long pos = 0;
        int next = 0;
        while (pos < N) {
            int n = (int) Math.min(buf.length, N - pos);
            java.util.Arrays.fill(buf, 0, n, (byte) 0);
            for (int i = 0; i < marks.length; i++) {
                if (marks[i] >= pos && marks[i] < pos + n) buf[(int) (marks[i] - pos)] = (byte) (200 + i);
            }
            md.update(buf, 0, n);
            pos += n;
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
