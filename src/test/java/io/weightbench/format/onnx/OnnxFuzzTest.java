package io.weightbench.format.onnx;

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
import java.util.List;

/**
 * Fuzz target for the ONNX reader: any input may be refused, but only as a one-line
 * {@link CheckpointException} caused by the reader's own checked exception. A RuntimeException or
 * an Error behind the refusal (which {@link Formats} would turn into a message), a hang or running
 * out of memory is a finding. The file sits beside two data files, so external data references
 * resolve. {@code mvn test} replays the committed inputs under {@code OnnxFuzzTestInputs/}
 * (seeded with the fixtures); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class OnnxFuzzTest {

    private static final Path DIR;
    private static final Path FILE;
    private static final Formats ONNX_ONLY = new Formats(List.of(new OnnxReader()));

    static {
        try {
            DIR = Files.createTempDirectory("weightbench-onnx-fuzz-");
            FILE = DIR.resolve("model.onnx");
            byte[] data = new byte[8192];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + 7);
            Files.write(DIR.resolve("weights.bin"), data);
            Files.write(DIR.resolve("data.bin"), data);
            for (Path p : List.of(DIR.resolve("weights.bin"), DIR.resolve("data.bin"), FILE, DIR)) p.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opening the file as ONNX, then reading every tensor it lists. */
    @FuzzTest(maxDuration = "5m")
    void openOnnx(byte[] data) throws IOException {
        Files.write(FILE, data);
        try (Checkpoint c = ONNX_ONLY.open(FILE)) {
            for (TensorEntry t : c.tensors()) {
                if (t.data().nbytes() > 16L << 20) continue;
                try {
                    CanonicalBytes.sha256(t.data());
                    TensorStats.of(t.data());
                } catch (IOException unreadable) {
                    // a tensor whose bytes cannot be read may say so
                }
            }
        } catch (CheckpointException refused) {
            Throwable cause = refused.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error e) throw e;
            if (refused.getMessage().endsWith("objects nested too deeply")) throw new AssertionError("stack overflow: " + refused.getMessage());
            if (refused.getMessage().contains("\n")) throw new AssertionError("a refusal of more than one line: " + refused.getMessage());
        }
    }
}
