package io.weightbench.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadBackTest {

    @Test
    void mappedAndPositionalReadBackGiveTheRegionsCrc(@TempDir Path dir) throws Exception {
        assumeTrue(ReadBack.canUnmap(), "this JVM cannot unmap on demand");
        byte[] data = new byte[3 * 65536 + 12345];
        new Random(7).nextBytes(data);
        Path f = dir.resolve("out.bin");
        Files.write(f, data);
        // regions that start and end off page boundaries, shorter and longer than a window, empty
        long[][] regions = {{0, data.length}, {1, 4095}, {4097, 65536 * 2 + 3}, {data.length - 10, 10}, {100, 0}, {65536, 65536}};
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (ReadBack reader : new ReadBack[] {new ReadBack(), new ReadBack(4096, true), new ReadBack(5000, true), new ReadBack(4096, false)}) {
                for (long[] r : regions) {
                    CRC32 expected = new CRC32();
                    expected.update(data, (int) r[0], (int) r[1]);
                    assertThat(reader.crc32(ch, r[0], r[1])).as("region %d +%d", r[0], r[1]).isEqualTo(expected.getValue());
                }
            }
        }
    }

    @Test
    void windowsAreUnmappedAsTheyAreSummed(@TempDir Path dir) throws Exception {
        assumeTrue(ReadBack.canUnmap(), "this JVM cannot unmap on demand");
        Path f = dir.resolve("out.bin");
        Files.write(f, new byte[1 << 20]);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long before = mappedRegions(f);
            new ReadBack(4096, true).crc32(ch, 0, 1 << 20); // 256 windows
            assertThat(mappedRegions(f)).isEqualTo(before);
        }
    }

    /** How many of this process's mappings are of {@code f} (Linux /proc; elsewhere the test is skipped). */
    private static long mappedRegions(Path f) throws Exception {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "no /proc/self/maps");
        String name = f.toRealPath().toString();
        try (var lines = Files.lines(maps)) {
            return lines.filter(l -> l.endsWith(name)).count();
        }
    }
}
