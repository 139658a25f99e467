package io.weightbench.format.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.ElementReader;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzz target for the GGUF reader: any input may be refused, but only with a one-line
 * {@link CheckpointException} that does not stand for a bug (a RuntimeException or an Error that
 * the opener turned into a message is a finding). A file that opens must then read: every tensor's
 * canonical bytes, its statistics (dequantizing block tensors) and a random-access read, with no
 * exception at all, since every region was checked at open. {@code mvn test} replays the committed
 * inputs under {@code GgufFuzzTestInputs/}; set {@code JAZZER_FUZZ=1} to fuzz for real.
 */
class GgufFuzzTest {

    private static final Path FILE;
    private static final Formats GGUF_ONLY = new Formats(List.of(new GgufReader()));

    static {
        try {
            FILE = Files.createTempFile("weightbench-gguf-fuzz-", ".bin");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void openAndReadEveryTensor(byte[] data) throws IOException {
        Files.write(FILE, data);
        Checkpoint c;
        try {
            c = GGUF_ONLY.open(FILE);
        } catch (CheckpointException refused) {
            Throwable cause = refused.getCause();
            if (cause instanceof RuntimeException || cause instanceof Error) throw new AssertionError("a bug, not a refusal: " + refused.getMessage(), cause);
            if (refused.getMessage().contains("\n")) throw new AssertionError("a refusal in more than one line: " + refused.getMessage());
            return;
        }
        try (c) {
            for (TensorEntry t : c.tensors()) {
                TensorData d = t.data();
                if (d.nbytes() > 4L << 20) continue;
                CanonicalBytes.sha256(d);
                TensorStats.of(d);
                if (d.numel() > 0) {
                    double[] one = new double[1];
                    new ElementReader(d).read(d.numel() - 1, one, 1);
                }
            }
        }
    }
}
