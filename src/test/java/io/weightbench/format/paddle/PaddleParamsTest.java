package io.weightbench.format.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.format.Formats;
import io.weightbench.format.ReferenceListing;
import io.weightbench.tensor.ByteSource;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PaddlePaddle .pdparams through the safe pickle machine, checked against Python's own unpickler
 * restricted to numpy's reconstructors (scripts/paddle_reference.py). Fixtures are made afresh by
 * scripts/make_paddle_fixtures.py (they are megabytes: one array must be pickled as a large bytes object).
 */
class PaddleParamsTest {

    private static final String REFERENCE = "scripts/paddle_reference.py";

    @TempDir
    static Path fixtures;

    @BeforeAll
    static void makeFixtures() throws Exception {
        TestFiles.runPythonScript("numpy", "scripts/make_paddle_fixtures.py", fixtures.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"paddle/betterlmy_mlp_protocol2.pdparams", "paddle/shybert_mlp_bn_protocol4.pdparams"})
    void corpusFilesListTheirArraysAsTensors(String name) throws Exception {
        Path file = TestFiles.crossframework().resolve(name);
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(c.format()).isEqualTo("paddle");
            assertThat(ReferenceListing.assertMatches(c, TestFiles.runPythonScript("numpy", REFERENCE, file.toString()))).isGreaterThan(3);
            assertThat(c.objects()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"model_protocol2.pdparams", "model_protocol4.pdparams"})
    void everyDtypeOrderAndBigParameterReadsAsTheReference(String name) throws Exception {
        Path file = fixtures.resolve(name);
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(ReferenceListing.assertMatches(c, TestFiles.runPythonScript("numpy", REFERENCE, file.toString()))).isEqualTo(10);
            assertThat(c.tensor("embedding.weight").orElseThrow().info()).containsEntry("param_name", "embedding_0.w_0");
            assertThat(c.tensor("big.weight").orElseThrow().info()).containsEntry("slices", "2");
            assertThat(c.tensor("bn._variance").orElseThrow().data().isContiguous()).isFalse(); // Fortran order
        }
    }

    @Test
    void largeArraysStayInTheFile() throws Exception {
        try (Checkpoint c = Formats.standard().open(fixtures.resolve("model_protocol4.pdparams"))) {
            ByteSource data = c.tensor("embedding.weight").orElseThrow().data().storage().bytes();
            assertThat(data.fileOffset()).isPresent(); // a view of the pickle's bytes, not a copy in the heap
        }
    }

    @Test
    void objectArraysAreListedNotRead() throws Exception {
        try (Checkpoint c = Formats.standard().open(fixtures.resolve("object_array.pdparams"))) {
            assertThat(c.tensors()).hasSize(1);
            assertThat(c.warnings()).anyMatch(w -> w.contains("object array") && w.contains("names"));
        }
    }

    @Test
    void aTruncatedFileIsRefusedInOneLine() {
        Path file = fixtures.resolve("hostile_truncated.pdparams");
        assertThatThrownBy(() -> Formats.standard().open(file).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining("truncated");
    }
}
