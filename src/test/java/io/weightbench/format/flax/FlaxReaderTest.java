package io.weightbench.format.flax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.format.Formats;
import io.weightbench.format.ReferenceListing;
import io.weightbench.tensor.CanonicalBytes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Flax msgpack checkpoints, checked against an independent decoder (scripts/flax_reference.py, python3-msgpack). */
class FlaxReaderTest {

    private static final Path FIXTURES = TestFiles.fixtures().resolve("flax");

    @Test
    void everyArrayLeafListsAsTheReferenceDecodesIt() throws Exception {
        Path file = FIXTURES.resolve("tiny_cnn.msgpack");
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(c.format()).isEqualTo("flax-msgpack");
            int n = ReferenceListing.assertMatches(c, TestFiles.runPythonScript("numpy,msgpack", "scripts/flax_reference.py", file.toString()));
            assertThat(n).isEqualTo(10);
        }
    }

    @Test
    void chunkedArraysAreJoinedScalarsAndPlainValuesKept() throws Exception {
        try (Checkpoint c = Formats.standard().open(FIXTURES.resolve("tiny_cnn.msgpack"))) {
            var embedding = c.tensor("params/Embed_0/embedding").orElseThrow();
            assertThat(embedding.data().shape()).containsExactly(10, 6);
            assertThat(embedding.info()).containsEntry("chunks", "4");
            assertThat(c.tensor("opt_state/1/count").orElseThrow().data().shape()).isEmpty();
            assertThat(c.tensor("opt_state/1/count").orElseThrow().info()).containsEntry("numpy", "scalar");
            assertThat(CanonicalBytes.toArray(c.tensor("opt_state/1/count").orElseThrow().data())).containsExactly(7, 0, 0, 0, 0, 0, 0, 0);
            assertThat(c.metadata()).containsEntry("step", "1200").containsEntry("config/name", "tiny-cnn")
                    .containsEntry("config/use_bias", "true").containsEntry("config/phase", "complex");
        }
    }

    @Test
    void aPickleIsNotMistakenForAnEmptyMap() throws Exception {
        // a pickle starts with 0x80 (a MessagePack empty map) followed by more bytes
        try (Checkpoint c = Formats.standard().open(TestFiles.fixtures().resolve("hostile.pt"))) {
            assertThat(c.format()).isNotEqualTo("flax-msgpack");
        }
    }

    @ParameterizedTest
    @CsvSource({
            "hostile_truncated.msgpack, runs past the end",
            "hostile_duplicate.msgpack, key 'w' twice",
            "hostile_shape.msgpack, needs 4294967296 bytes but holds 16",
            "hostile_count.msgpack, not a checkpoint format",
            "hostile_deep.msgpack, not a checkpoint format"})
    void malformedFilesAreRefusedInOneLine(String name, String problem) {
        Path file = FIXTURES.resolve(name);
        assertThatThrownBy(() -> Formats.standard().open(file).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(problem)
                .hasMessageNotContaining("\n");
    }
}
