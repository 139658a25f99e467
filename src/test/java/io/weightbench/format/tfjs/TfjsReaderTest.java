package io.weightbench.format.tfjs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.format.ReferenceListing;
import io.weightbench.stats.TensorStats;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** TF.js models read as tfjs reads them, checked against an independent decoder (scripts/tfjs_reference.py). */
class TfjsReaderTest {

    private static final String REFERENCE = "scripts/tfjs_reference.py";
    private static final Path FIXTURES = TestFiles.fixtures().resolve("tfjs");

    @Test
    void corpusModelsListWhatTheReferenceDecodes() throws Exception {
        Path root = TestFiles.crossframework().resolve("tfjs");
        for (String model : new String[] {"layers_model", "graph_model"}) {
            Path json = root.resolve(model).resolve("model.json");
            try (Checkpoint c = Formats.standard().open(json)) {
                assertThat(c.format()).isEqualTo("tfjs");
                ReferenceListing.assertMatches(c, TestFiles.runPythonScript("numpy", REFERENCE, json.toString()));
            }
        }
    }

    @Test
    void graphModelWeightsSayWhichOpConsumesThem() throws Exception {
        Path json = TestFiles.crossframework().resolve("tfjs/graph_model/model.json");
        try (Checkpoint c = Formats.standard().open(json)) {
            assertThat(c.metadata()).containsEntry("tfjs_format", "graph-model").containsEntry("graph_nodes", "3");
            assertThat(c.tensor("w").orElseThrow().info()).containsEntry("op", "MatMul");
        }
    }

    @Test
    void shardedQuantizedAndOddWeightsDecodeAsTfjsDoes() throws Exception {
        Path json = FIXTURES.resolve("sharded/model.json");
        try (Checkpoint c = Formats.standard().open(json)) {
            int compared = ReferenceListing.assertMatches(c, TestFiles.runPythonScript("numpy", REFERENCE, json.toString()));
            assertThat(compared).isEqualTo(10); // every weight but the string one
            assertThat(c.warnings()).anyMatch(w -> w.contains("string weight") && w.contains("vocab"));
            assertThat(c.tensor("dense/kernel_uint8").orElseThrow().info()).containsKey("quantization");
            assertThat(c.tensor("conv/kernel").orElseThrow().info()).containsEntry("group", "1");
            assertThat(c.metadata()).containsEntry("shard_files", "4");
            // the uint8 copy of the kernel is close to it, within one quantization step
            TensorStats exact = TensorStats.of(c.tensor("dense/kernel").orElseThrow().data());
            TensorStats q8 = TensorStats.of(c.tensor("dense/kernel_uint8").orElseThrow().data());
            assertThat(q8.mean()).isCloseTo(exact.mean(), org.assertj.core.data.Offset.offset((exact.max() - exact.min()) / 255));
        }
    }

    @Test
    void aFolderOpensLikeItsModelJson() throws Exception {
        try (Checkpoint folder = Formats.standard().open(FIXTURES.resolve("sharded"));
             Checkpoint file = Formats.standard().open(FIXTURES.resolve("sharded/model.json"))) {
            assertThat(folder.tensors()).extracting(TensorEntry::key).containsExactlyElementsOf(file.tensors().stream().map(TensorEntry::key).toList());
            assertThat(folder.inputs()).hasSize(5);
        }
    }

    @Test
    void aShardOutsideTheFolderIsRefusedWithoutReadingIt() {
        Path json = FIXTURES.resolve("escape/model.json");
        assertThatThrownBy(() -> Formats.standard().open(json).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(json.toString())
                .hasMessageContaining("outside its folder");
    }

    @Test
    void aManifestPromisingMoreThanTheShardsHoldIsRefused() {
        Path json = FIXTURES.resolve("short/model.json");
        assertThatThrownBy(() -> Formats.standard().open(json).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("weight 'w'")
                .hasMessageContaining("runs past the end of its shard files");
    }
}
