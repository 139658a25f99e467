package io.weightbench.format.mxnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.format.ReferenceListing;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** MXNet NDArray lists, checked against an independent parse (scripts/mxnet_reference.py). */
class MxnetParamsReaderTest {

    private static final String REFERENCE = "scripts/mxnet_reference.py";
    private static final Path FIXTURES = TestFiles.fixtures().resolve("mxnet");

    @Test
    void corpusModelListsEveryArrayWithTheOpThatUsesIt() throws Exception {
        Path file = TestFiles.crossframework().resolve("mxnet/mobilefacenet_model-0000.params");
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(c.format()).isEqualTo("mxnet");
            assertThat(ReferenceListing.assertMatches(c, TestFiles.runPythonScript("numpy", REFERENCE, file.toString()))).isEqualTo(284);
            assertThat(c.warnings()).isEmpty(); // every byte accounted for
            TensorEntry dw = c.tensor("arg:res_3_block1_conv_dw_conv2d_weight").orElseThrow();
            assertThat(dw.info()).containsEntry("op", "Convolution").containsEntry("num_group", "128").containsEntry("kernel", "(3, 3)");
            assertThat(c.tensor("aux:res_4_block2_conv_dw_batchnorm_moving_var").orElseThrow().info()).containsEntry("op", "BatchNorm");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v2_symbolic-0000.params", "v3_gluon.params", "v1.params", "legacy.params", "unnamed.params"})
    void everyHeaderVersionReadsAsTheReference(String name) throws Exception {
        Path file = FIXTURES.resolve(name);
        try (Checkpoint c = Formats.standard().open(file)) {
            assertThat(ReferenceListing.assertMatches(c, TestFiles.runPythonScript("numpy", REFERENCE, file.toString()))).isGreaterThan(1);
        }
    }

    @Test
    void theSymbolFileBesideNamesTheOps() throws Exception {
        try (Checkpoint c = Formats.standard().open(FIXTURES.resolve("v2_symbolic-0000.params"))) {
            assertThat(c.tensor("arg:fc1_weight").orElseThrow().info()).containsEntry("op", "FullyConnected").containsEntry("num_hidden", "10");
            assertThat(c.tensor("aux:ids").orElseThrow().info()).isEmpty();
            assertThat(c.inputs()).hasSize(2);
        }
    }

    @ParameterizedTest
    @CsvSource({
            "hostile_truncated.params, the file ends inside",
            "hostile_count.params, arrays",
            "hostile_sparse.params, sparse NDArray",
            "hostile_dims.params, runs past the end of the file",
            "hostile_flag.params, unknown type flag 99"})
    void malformedListsAreRefusedInOneLine(String name, String problem) {
        Path file = FIXTURES.resolve(name);
        assertThatThrownBy(() -> Formats.standard().open(file).close())
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(problem)
                .hasMessageNotContaining("\n");
    }
}
