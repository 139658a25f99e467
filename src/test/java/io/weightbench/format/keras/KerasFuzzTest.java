package io.weightbench.format.keras;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes the HDF5 / Keras readers (and jhdf beneath them) through the whole opener: opening, then
 * reading every tensor. A refusal must be the reader's own checked exception: a RuntimeException
 * (also one the opener wraps into a CheckpointException, which would hide it), an out-of-memory, a
 * stack overflow or a hang is a finding. {@code mvn test} replays the committed inputs under
 * {@code KerasFuzzTestInputs/openKerasFile} (small files from {@code scripts/make_keras_fixtures.py
 * --seeds}); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class KerasFuzzTest {

    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("weightbench-keras-fuzz-", ".bin");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void openKerasFile(byte[] data) throws IOException {
        Files.write(FILE, data);
        try (Checkpoint c = Formats.standard().open(FILE)) {
            for (TensorEntry t : c.tensors()) {
                if (t.data().nbytes() > 16L << 20) continue;
                try {
                    CanonicalBytes.sha256(t.data());
                    TensorStats.of(t.data());
                } catch (IOException refused) {
                    // a tensor may be unreadable (a chunk that does not decode); saying so is fine
                }
            }
        } catch (CheckpointException refused) {
            // the opener turns unchecked exceptions and memory or stack exhaustion into its own; those are findings
            Throwable cause = refused.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error e) throw e;
        }
    }
}
