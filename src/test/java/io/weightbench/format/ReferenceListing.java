package io.weightbench.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.tensor.CanonicalBytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares a checkpoint with what an independent reader (a committed Python script) listed:
 * {@code {"tensors": [{"key", "dtype", "shape", "sha256"}, ...]}}, in order, hashes bit for bit.
 */
public final class ReferenceListing {

    private ReferenceListing() {}

    /** Asserts the checkpoint lists exactly the reference's tensors; returns how many hashes were compared. */
    public static int assertMatches(Checkpoint c, String referenceJson) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(referenceJson.substring(referenceJson.indexOf('{')));
        List<String> keys = new ArrayList<>();
        for (JsonNode t : ref.get("tensors")) keys.add(t.get("key").asText());
        assertThat(c.tensors()).extracting(TensorEntry::key).as("keys of %s", c.file()).containsExactlyElementsOf(keys);
        int i = 0;
        for (JsonNode t : ref.get("tensors")) {
            TensorEntry e = c.tensors().get(i++);
            assertThat(e.data().dtype().torchName()).as("dtype of %s", e.key()).isEqualTo(t.get("dtype").asText());
            List<Long> shape = new ArrayList<>();
            for (JsonNode d : t.get("shape")) shape.add(d.asLong());
            assertThat(Arrays.stream(e.data().shape()).boxed().toList()).as("shape of %s", e.key()).isEqualTo(shape);
            assertThat(CanonicalBytes.sha256(e.data())).as("sha256 of %s", e.key()).isEqualTo(t.get("sha256").asText());
        }
        return i;
    }
}
