package io.weightbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanonicalBytesTest {

    private static Storage floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(order);
        for (float v : values) b.putFloat(v);
        return new Storage("s", DType.FLOAT32, values.length, order, "cpu", ByteSource.of(b.array()));
    }

    private static float[] decode(byte[] canonical) {
        ByteBuffer b = ByteBuffer.wrap(canonical).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[canonical.length / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getFloat();
        return out;
    }

    @Test
    void transposedViewIsWrittenRowMajor() throws IOException {
        Storage s = floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5); // [[0,1,2],[3,4,5]]
        TensorData t = new TensorData(s, DType.FLOAT32, new long[] {3, 2}, new long[] {1, 3}, 0, Optional.empty());
        assertThat(decode(CanonicalBytes.toArray(t))).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void expandWithStrideZeroRepeatsElements() throws IOException {
        Storage s = floats(ByteOrder.LITTLE_ENDIAN, 7, 8, 9);
        TensorData t = new TensorData(s, DType.FLOAT32, new long[] {2, 3}, new long[] {0, 1}, 0, Optional.empty());
        assertThat(decode(CanonicalBytes.toArray(t))).containsExactly(7, 8, 9, 7, 8, 9);
    }

    @Test
    void bigEndianStoragesAreSwapped() throws IOException {
        Storage s = floats(ByteOrder.BIG_ENDIAN, 1.5f, -2f);
        assertThat(decode(CanonicalBytes.toArray(TensorData.contiguous(s, new long[] {2})))).containsExactly(1.5f, -2f);
    }

    @Test
    void viewsOutsideTheirStorageAreRejected() {
        Storage s = floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3);
        assertThatThrownBy(() -> new TensorData(s, DType.FLOAT32, new long[] {2, 2}, new long[] {2, 1}, 0, Optional.empty()))
                .hasMessageContaining("reaches element 3").hasMessageContaining("holds only 3");
    }

    @Test
    void mappedWindowsJoinSeamlessly(@TempDir Path dir) throws IOException {
        // windows of 64 bytes over a 1000-byte file: every read that crosses a window boundary
        byte[] data = new byte[1000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31);
        Path f = dir.resolve("f.bin");
        Files.write(f, data);
        try (MappedFile m = new MappedFile(f, 64)) {
            byte[] got = new byte[300];
            m.read(50, got, 0, 300);
            for (int i = 0; i < 300; i++) assertThat(got[i]).isEqualTo(data[50 + i]);
            assertThatThrownBy(() -> m.read(900, new byte[200], 0, 200)).hasMessageContaining("outside the file");
        }
    }
}
