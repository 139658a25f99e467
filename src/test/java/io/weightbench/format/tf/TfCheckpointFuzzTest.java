package io.weightbench.format.tf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzz targets for the TensorFlow checkpoint reader. Any input may be refused, but only with the
 * reader's checked exception: a RuntimeException, an Error or a hang is a finding. {@code mvn test}
 * replays the committed inputs under {@code TfCheckpointFuzzTestInputs/} (the fixtures of
 * {@code scripts/make_tf_fixtures.py}); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class TfCheckpointFuzzTest {

    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("weightbench-tf-fuzz-");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The leveldb table reader and the header probe alone, on raw bytes. */
    @FuzzTest(maxDuration = "5m")
    void table(byte[] data) {
        try {
            LevelDbTable.read(ByteSource.of(data), "the fuzzed table");
            BundleIndex.read(ByteSource.of(data));
        } catch (IOException expected) {
            // refusing bad input is the point
        }
    }

    /**
     * The whole open and read: the input is a 2-byte little-endian length, that many bytes of
     * {@code f.index}, and the rest as its one data shard {@code f.data-00000-of-00001}. Every
     * tensor listed is then hashed and summarised.
     */
    @FuzzTest(maxDuration = "5m")
    void openAndRead(byte[] data) throws IOException {
        int n = data.length < 2 ? 0 : Math.min(data.length - 2, (data[0] & 0xff) | (data[1] & 0xff) << 8);
        int start = Math.min(2, data.length);
        Path index = DIR.resolve("f.index");
        Files.write(index, Arrays.copyOfRange(data, start, start + n));
        Files.write(DIR.resolve("f.data-00000-of-00001"), Arrays.copyOfRange(data, start + n, data.length));
        try (Checkpoint c = Formats.standard().open(index)) {
            for (TensorEntry t : c.tensors()) {
                if (t.data().nbytes() > 16L << 20) continue;
                try {
                    CanonicalBytes.sha256(t.data());
                    TensorStats.of(t.data());
                } catch (IOException refused) {
                    // a tensor may be unreadable (a bad checksum); saying so is fine
                }
            }
        } catch (CheckpointException expected) {
            // refusing bad input is the point
        }
    }
}
