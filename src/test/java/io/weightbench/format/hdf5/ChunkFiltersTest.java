package io.weightbench.format.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;

/** The chunk filters on hand-made input: exact output, and every output bounded by the chunk's size. */
class ChunkFiltersTest {

    @Test
    void lzfLiteralsAndBackReferencesDecode() throws FormatException {
        // "abc" as a literal run, then 6 bytes copied from 3 back (an overlapping copy)
        byte[] in = {2, 'a', 'b', 'c', (byte) 0x80, 2};
        assertThat(new String(ChunkFilters.lzf(in, 9, "chunk"), StandardCharsets.US_ASCII)).isEqualTo("abcabcabc");
        assertThatThrownBy(() -> ChunkFilters.lzf(in, 8, "chunk")).isInstanceOf(FormatException.class).hasMessageContaining("more than");
        assertThatThrownBy(() -> ChunkFilters.lzf(new byte[] {(byte) 0x80, 9}, 100, "chunk"))
                .isInstanceOf(FormatException.class).hasMessageContaining("before its start");
        assertThatThrownBy(() -> ChunkFilters.lzf(new byte[] {5, 'a'}, 100, "chunk"))
                .isInstanceOf(FormatException.class).hasMessageContaining("past its end");
    }

    @Test
    void aDeflateBombStopsAtTheChunkSize() throws Exception {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(bomb, new Deflater(9))) {
            out.write(new byte[16 << 20]);
        }
        assertThat(bomb.size()).isLessThan(64 << 10);
        assertThatThrownBy(() -> ChunkFilters.inflate(bomb.toByteArray(), 4096, "chunk"))
                .isInstanceOf(FormatException.class).hasMessageContaining("more than");
        assertThat(ChunkFilters.inflate(bomb.toByteArray(), 16 << 20, "chunk")).hasSize(16 << 20);
        byte[] cut = java.util.Arrays.copyOf(bomb.toByteArray(), bomb.size() / 2);
        assertThatThrownBy(() -> ChunkFilters.inflate(cut, 16 << 20, "chunk")).isInstanceOf(FormatException.class);
    }

    @Test
    void shuffleIsUndoneElementByElementKeepingTheTail() {
        // three 4-byte elements shuffled (all first bytes, then all second bytes, ...) plus a 2-byte tail
        byte[] shuffled = {1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12, 13, 14};
        assertThat(ChunkFilters.unshuffle(shuffled, 4)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    }

    @Test
    void fletcher32MismatchIsCorruption() throws FormatException {
        byte[] data = {1, 2, 3, 4, 5};
        long sum = ChunkFilters.fletcher32(data, data.length);
        byte[] stored = {1, 2, 3, 4, 5, (byte) sum, (byte) (sum >>> 8), (byte) (sum >>> 16), (byte) (sum >>> 24)};
        assertThat(ChunkFilters.stripFletcher32(stored, "chunk")).containsExactly(1, 2, 3, 4, 5);
        stored[0] = 9;
        assertThatThrownBy(() -> ChunkFilters.stripFletcher32(stored, "chunk")).isInstanceOf(FormatException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void anUnknownFilterIsNamed() {
        java.util.List<io.jhdf.filter.PipelineFilterWithData> none = java.util.List.of();
        assertThatThrownBy(() -> ChunkFilters.decode(new byte[3], none, null, 4, 4, "chunk"))
                .isInstanceOf(FormatException.class).hasMessageContaining("decodes to 3 bytes, not the 4");
    }
}
