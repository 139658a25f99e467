package io.weightbench.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.pickle.PickleHooks;
import io.weightbench.format.pickle.PickleMachine;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets for the readers. Any input may be refused, but only with the reader's own checked
 * exception: a RuntimeException, an Error or a hang is a finding. {@code mvn test} replays the
 * committed inputs under {@code ReaderFuzzTestInputs/} (seeded with the torch fixtures); set
 * {@code JAZZER_FUZZ=1} to fuzz for real.
 */
class ReaderFuzzTest {

    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("weightbench-fuzz-", ".bin");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pickle VM alone, on raw bytes. */
    @FuzzTest(maxDuration = "5m")
    void pickleMachine(byte[] data) {
        try {
            new PickleMachine(ByteSource.of(data), 0, PickleHooks.NONE, new PickleMachine.Limits(10_000, 100_000, 4096, 1_000_000)).load();
        } catch (IOException expected) {
            // refusing bad input is the point
        }
    }

    /**
     * The whole opener on a file (torch zip, legacy, TorchScript, safetensors, npy, npz, plain
     * pickle, index): opening, then reading every tensor it lists.
     */
    @FuzzTest(maxDuration = "5m")
    void openAnyFile(byte[] data) throws IOException {
        Files.write(FILE, data);
        try (Checkpoint c = Formats.standard().open(FILE)) {
            for (TensorEntry t : c.tensors()) {
                if (t.data().nbytes() > 16L << 20) continue;
                try {
                    CanonicalBytes.sha256(t.data());
                    TensorStats.of(t.data());
                } catch (IOException refused) {
                    // a tensor may be unreadable (short record); saying so is fine
                }
            }
        } catch (CheckpointException expected) {
            // refusing bad input is the point
        }
    }
}
