package io.weightbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files the user named keep at most {@link MappedFile.OpenFiles#limit} descriptors open, however many are read. */
class MappedFileTest {

    private final int limit = MappedFile.OpenFiles.limit;

    @AfterEach
    void restore() {
        MappedFile.OpenFiles.limit = limit;
    }

    private static long openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    @Test
    void manyFilesReadInTurnKeepFewDescriptorsOpen(@TempDir Path dir) throws IOException {
        MappedFile.OpenFiles.limit = 8;
        long before = openDescriptors();
        List<MappedFile> files = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Path p = dir.resolve("shard-" + i);
                Files.write(p, new byte[] {(byte) i, (byte) (i + 1), (byte) (i + 2), (byte) (i + 3)});
                files.add(MappedFile.reopenable(p));
            }
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < files.size(); i++) {
                    byte[] b = new byte[4];
                    files.get(i).readDirect(0, b, 0, 4); // a descriptor closed while idle is opened again
                    assertThat(b[0]).isEqualTo((byte) i);
                    files.get(i).read(1, b, 0, 3); // and maps a window through it
                    assertThat(b[0]).isEqualTo((byte) (i + 1));
                }
            }
            if (before >= 0) assertThat(openDescriptors() - before).isLessThanOrEqualTo(8 + 2);
            assertThat(MappedFile.OpenFiles.open()).isLessThanOrEqualTo(8);
        } finally {
            for (MappedFile f : files) f.close();
        }
    }

    @Test
    void aFileReplacedWhileItsDescriptorWasClosedIsRefused(@TempDir Path dir) throws IOException {
        MappedFile.OpenFiles.limit = 1;
        Path a = dir.resolve("a");
        Files.write(a, new byte[] {1, 2, 3, 4});
        List<MappedFile> others = new ArrayList<>();
        try (MappedFile fa = MappedFile.reopenable(a)) {
            byte[] x = new byte[4];
            for (int i = 0; i <= MappedFile.OpenFiles.FREE; i++) { // more than FREE files: a's idle descriptor is closed
                Path b = dir.resolve("b" + i);
                Files.write(b, new byte[] {5, 6, 7, 8});
                others.add(MappedFile.reopenable(b));
            }
            Files.delete(a);
            Files.write(a, new byte[] {9, 9, 9, 9});
            // a new file may get the freed inode back; its modification time still tells it apart
            Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(a).toMillis() + 10_000));
            assertThatThrownBy(() -> fa.readDirect(0, x, 0, 4)).isInstanceOf(IOException.class)
                    .hasMessageContaining("replaced while it was open");
        } finally {
            for (MappedFile f : others) f.close();
        }
    }

    @Test
    void aClosedFileStaysClosed(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a");
        Files.write(a, new byte[] {1, 2, 3, 4});
        MappedFile f = MappedFile.reopenable(a);
        f.close();
        assertThatThrownBy(() -> f.readDirect(0, new byte[4], 0, 4)).isInstanceOf(IOException.class);
    }
}
