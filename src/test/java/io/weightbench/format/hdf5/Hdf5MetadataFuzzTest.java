package io.weightbench.format.hdf5;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fuzzes Weightbench's own HDF5 metadata reader alone (KerasFuzzTest fuzzes the whole opener,
 * with jhdf behind it): reading the tree, every string attribute the Keras readers ask for, every
 * dataset's description and the bytes of small contiguous and compact tensors. The reader may
 * leave any input to jhdf (an empty answer) and may refuse a dataset with its own checked
 * exception; an exception of another kind escaping it, an out-of-memory, a stack overflow or a
 * hang is a finding. {@code mvn test} replays the committed inputs under {@code
 * Hdf5MetadataFuzzTestInputs/readMetadata} (seeds: KerasFuzzTest's .h5 seeds and small files from
 * scripts/make_hdf5_variants.py); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class Hdf5MetadataFuzzTest {

    private static final List<String> ATTRIBUTES = List.of("layer_names", "weight_names", "model_config", "keras_version", "backend",
            "training_config", "name", "dtype", "layer_names0");

    @FuzzTest(maxDuration = "10m")
    void readMetadata(byte[] data) throws IOException {
        ByteSource source = ByteSource.of(data);
        int at = Hdf5File.signatureOffset(data.length > 4096 ? java.util.Arrays.copyOf(data, 4096) : data);
        if (at < 0) return;
        Hdf5File file = new Hdf5File(source, at);
        Optional<Hdf5Node.Group> root = Hdf5Metadata.read(file, source, at);
        if (root.isEmpty()) return;
        try {
            attributes(root.get());
            List<String> warnings = new ArrayList<>();
            for (Hdf5Tree.Found f : Hdf5Tree.datasets(file, root.get(), warnings)) {
                attributes(f.parent());
                attributes(f.dataset());
                try {
                    Hdf5Tensors.Result r = Hdf5Tensors.read(file, f.dataset(), f.path());
                    if (r instanceof Hdf5Tensors.Tensor t && t.data().nbytes() <= 1 << 20 && !"chunked".equals(t.info().get("hdf5_layout"))) {
                        CanonicalBytes.sha256(t.data());
                    }
                } catch (IOException refused) {
                    // a dataset may be refused (a shape too large, data past the end): in its own words
                }
            }
        } catch (FormatException refused) {
            // so may the tree (groups nested too deeply, too many objects)
        } finally {
            file.close();
        }
    }

    private static void attributes(Hdf5Node node) {
        for (String name : ATTRIBUTES) {
            try {
                node.strings(name);
            } catch (FormatException refused) {
                // an attribute that is not strings, or does not fit its bytes, is refused
            }
        }
    }
}
