package io.weightbench.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.flax.FlaxReader;
import io.weightbench.format.mxnet.MxnetParamsReader;
import io.weightbench.format.tfjs.TfjsReader;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzz targets for the MXNet, Flax, TF.js and Paddle readers: opening, then reading every tensor.
 * Only {@link CheckpointException} (a refusal in one line) may come out; anything else, or a hang,
 * is a finding: libFuzzer's per-input time and RSS limits are set in
 * src/test/resources/junit-platform.properties (as for {@link ReaderFuzzTest}). {@code mvn test}
 * replays the committed inputs under {@code OtherFormatsFuzzTestInputs/} (fixtures and the readers'
 * hostile files); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class OtherFormatsFuzzTest {

    private static final Path DIR;
    private static final Path FILE;
    private static final Path MODEL_JSON;

    static {
        try {
            DIR = Files.createTempDirectory("weightbench-fuzz-other-");
            FILE = DIR.resolve("input.bin");
            MODEL_JSON = DIR.resolve("model.json");
            // TF.js manifests name their shards: two fixed ones sit beside the fuzzed model.json
            byte[] shard = new byte[4096];
            for (int i = 0; i < shard.length; i++) shard[i] = (byte) (i * 31 + 7);
            Files.write(DIR.resolve("weights.bin"), shard);
            Files.write(DIR.resolve("group1-shard1of2.bin"), java.util.Arrays.copyOf(shard, 100));
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void mxnet(byte[] data) throws IOException {
        openAndRead(data, FILE, new Formats(List.of(new MxnetParamsReader())));
    }

    @FuzzTest(maxDuration = "10m")
    void flax(byte[] data) throws IOException {
        openAndRead(data, FILE, new Formats(List.of(new FlaxReader())));
    }

    @FuzzTest(maxDuration = "10m")
    void tfjs(byte[] data) throws IOException {
        openAndRead(data, MODEL_JSON, new Formats(List.of(new TfjsReader())));
    }

    /** Pickles, where a dict of numpy arrays is a Paddle state dict. */
    @FuzzTest(maxDuration = "10m")
    void paddle(byte[] data) throws IOException {
        openAndRead(data, FILE, new Formats(List.of(new PlainPickleReader())));
    }

    private static void openAndRead(byte[] data, Path file, Formats formats) throws IOException {
        Files.write(file, data);
        try (Checkpoint c = formats.open(file)) {
            for (TensorEntry t : c.tensors()) {
                if (t.data().nbytes() > 16L << 20) continue;
                try {
                    CanonicalBytes.sha256(t.data());
                    TensorStats.of(t.data());
                } catch (IOException refused) {
                    // a tensor may be unreadable (short data); saying so is fine
                }
            }
        } catch (CheckpointException expected) {
            // refusing bad input is the point
        }
    }
}
