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
 * Fuzz targets for the readers, with the production limits. Any input may be refused, but only
 * with the reader's own checked exception: a RuntimeException, an Error, an input running over
 * libFuzzer's per-input time limit or the process over its RSS limit is a finding (both limits set
 * in src/test/resources/junit-platform.properties: {@code -timeout=20}, {@code -rss_limit_mb=2560}).
 * {@code mvn test} replays the committed inputs under {@code ReaderFuzzTestInputs/} (the torch
 * fixtures and the attack files of scripts/make_attack_files.py); {@code JAZZER_FUZZ=1} fuzzes for
 * real, e.g. {@code JAZZER_FUZZ=1 mvn test -Dtest=ReaderFuzzTest#openAnyFile}.
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

    /** The pickle VM alone, on raw bytes, with the limits a real open has: a hang inside them is a finding. */
    @FuzzTest(maxDuration = "10m")
    void pickleMachine(byte[] data) {
        try {
            new PickleMachine(ByteSource.of(data), 0, PickleHooks.NONE, PickleMachine.Limits.DEFAULT).load();
        } catch (IOException expected) {
            // refusing bad input is the point
        }
    }

    /**
     * The whole opener on a file (torch zip, legacy, TorchScript, safetensors, npy, npz, plain
     * pickle, index): opening, then reading every tensor it lists.
     */
    @FuzzTest(maxDuration = "10m")
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
