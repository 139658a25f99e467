package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DiffCommandTest {

    @Test
    void diffOfACheckpointWithItselfIsZeroAndTheJsonFollowsTheContract() throws Exception {
        InspectCommandTest.Result r = InspectCommandTest.run("diff", "samples/tinynet_template.pt", "samples/tinynet_template.pt", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("tensors")).hasSize(16);
        JsonNode w = j.get("tensors").get(0);
        assertThat(w.get("key").asText()).isEqualTo("stem.0.weight");
        assertThat(w.get("max_abs").asDouble()).isZero();
        assertThat(w.get("rel_l2").asDouble()).isZero();
        assertThat(w.get("cosine").asDouble()).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(j.get("only_in_a")).isEmpty();
        assertThat(j.get("modules").get(0).get("module").asText()).isEqualTo("stem.0");
    }

    @Test
    void prefixedAndResizedCheckpointsPairThroughRules() throws Exception {
        InspectCommandTest.Result r = InspectCommandTest.run("diff", "samples/tinynet_template.pt", "samples/tinynet_5class_fp16.safetensors", "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode head = null;
        for (JsonNode t : j.get("tensors")) if (t.get("key").asText().equals("head.weight")) head = t;
        assertThat(head.get("shape_differs").asBoolean()).isTrue();
        assertThat(head.get("shape_b").toString()).isEqualTo("[5,32]");
        InspectCommandTest.Result dp = InspectCommandTest.run("diff", "samples/tinynet_template.pt", "samples/tinynet_dataparallel.pth", "--json");
        assertThat(new ObjectMapper().readTree(dp.out()).get("only_in_b")).hasSize(16);
    }

    @Test
    void theTextSaysHowManyDifferAndTheChangePerModule() {
        InspectCommandTest.Result same = InspectCommandTest.run("diff", "samples/tinynet_template.pt", "samples/tinynet_template.pt");
        assertThat(same.out()).startsWith("16 of 16 paired tensors identical");
        InspectCommandTest.Result r = InspectCommandTest.run("diff", "samples/tinynet_template.pt", "samples/tinynet_1000class.pth");
        assertThat(r.out()).startsWith("16 of 16 paired tensors differ (0 identical)")
                .contains("change per module (in A's order):")
                .containsPattern("(?m)^stem\\.0 +2 +[0-9.]+ +[0-9.]+$");
    }

    @Test
    void twoAllZeroTensorsPointTheSameWay() throws Exception {
        io.weightbench.tensor.Storage zeros = new io.weightbench.tensor.Storage("z", io.weightbench.tensor.DType.FLOAT32, 4,
                java.nio.ByteOrder.LITTLE_ENDIAN, "cpu", io.weightbench.tensor.ByteSource.of(new byte[16]));
        io.weightbench.tensor.TensorData z = io.weightbench.tensor.TensorData.contiguous(zeros, new long[] {4});
        io.weightbench.stats.TensorDiff d = io.weightbench.stats.TensorDiff.of(z, z, 0, io.weightbench.tensor.Progress.none());
        assertThat(d.cosine()).isEqualTo(1.0);
        assertThat(d.relL2()).isZero();
    }
}
