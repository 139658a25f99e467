package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.TensorData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** keras_recurrent on shapes and small hand-checked data; whole networks' outputs in ConversionRoundTripInteropTest. */
class KerasRecurrentTest {

    static final MultiKeyRule.KerasRecurrent RULE = new MultiKeyRule.KerasRecurrent("recurrent_kernel$");

    static List<Double> values(TensorData t) throws Exception { return RuleOpsTest.values(t); }

    @Test
    void anLstmGetsTorchsFourTensorsWithAZeroRecurrentBias() throws Exception {
        TensorData kernel = RuleOpsTest.arange(2, 8);     // [in 2, 4h 8], h = 2
        TensorData recurrent = RuleOpsTest.arange(2, 8);
        TensorData bias = RuleOpsTest.arange(8);
        Map<String, TensorData> src = Map.of("l/cell/kernel", kernel, "l/cell/recurrent_kernel", recurrent, "l/cell/bias", bias);
        RuleSet rules = new RuleSet(List.of(RULE));
        RuleSet.Applied a = rules.apply(List.of(RuleOpsTest.spec("l/cell/kernel", 2, 8), RuleOpsTest.spec("l/cell/recurrent_kernel", 2, 8),
                RuleOpsTest.spec("l/cell/bias", 8), RuleOpsTest.spec("other", 3)));
        assertThat(a.tensors()).extracting(TensorSpec::key).containsExactly("l/cell/weight_ih_l0", "l/cell/weight_hh_l0", "l/cell/bias_ih_l0",
                "l/cell/bias_hh_l0", "other");
        assertThat(a.tensors().get(0).shape()).containsExactly(8L, 2L);
        assertThat(a.changedPerRule()).containsExactly(1);
        // transposed, gates kept (Keras i, f, c, o is torch's i, f, g, o)
        assertThat(values(a.data("l/cell/weight_ih_l0", src::get)).subList(0, 4)).containsExactly(0.0, 8.0, 1.0, 9.0);
        assertThat(values(a.data("l/cell/bias_ih_l0", src::get))).isEqualTo(values(bias));
        assertThat(values(a.data("l/cell/bias_hh_l0", src::get))).containsOnly(0.0).hasSize(8);
    }

    @Test
    void aGruReordersItsGatesAndSplitsItsResetAfterBias() throws Exception {
        TensorData bias = RuleOpsTest.arange(2, 3); // h = 1: rows (input, recurrent), gates z, r, h
        Map<String, TensorData> src = Map.of("g.kernel", RuleOpsTest.arange(1, 3), "g.recurrent_kernel", RuleOpsTest.arange(1, 3), "g.bias", bias);
        RuleSet.Applied a = new RuleSet(List.of(RULE)).apply(List.of(RuleOpsTest.spec("g.kernel", 1, 3),
                RuleOpsTest.spec("g.recurrent_kernel", 1, 3), RuleOpsTest.spec("g.bias", 2, 3)));
        // torch's r, z, n from Keras' z, r, h
        assertThat(values(a.data("g.weight_ih_l0", src::get))).containsExactly(1.0, 0.0, 2.0);
        assertThat(values(a.data("g.bias_ih_l0", src::get))).containsExactly(1.0, 0.0, 2.0);
        assertThat(values(a.data("g.bias_hh_l0", src::get))).containsExactly(4.0, 3.0, 5.0);
        // reset_after=False (one [3h] bias) has no torch equivalent, nor has a ConvLSTM2D: left as they are
        RuleSet.Applied gru = new RuleSet(List.of(RULE)).apply(List.of(RuleOpsTest.spec("g.kernel", 1, 3),
                RuleOpsTest.spec("g.recurrent_kernel", 1, 3), RuleOpsTest.spec("g.bias", 3)));
        assertThat(gru.tensors()).extracting(TensorSpec::key).containsExactly("g.kernel", "g.recurrent_kernel", "g.bias");
        assertThat(gru.changedPerRule()).containsExactly(0);
        RuleSet.Applied conv = new RuleSet(List.of(RULE)).apply(List.of(RuleOpsTest.spec("c.kernel", 3, 3, 2, 16),
                RuleOpsTest.spec("c.recurrent_kernel", 3, 3, 4, 16), RuleOpsTest.spec("c.bias", 16)));
        assertThat(conv.tensors()).extracting(TensorSpec::key).containsExactly("c.kernel", "c.recurrent_kernel", "c.bias");
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        RuleSet rules = new RuleSet(new ArrayList<>(List.of(RULE)));
        assertThat(RuleSet.fromJson(rules.toJson())).isEqualTo(rules);
        assertThat(rules.version()).isEqualTo(2);
    }

    @Test
    void kerasAttentionJoinsQueryKeyValueIntoInProjAndReshapesTheOutput() throws Exception {
        // d = 4, 2 heads of 2: kernels [4, 2, 2], biases [2, 2], output kernel [2, 2, 4]
        MultiKeyRule.KerasAttention rule = new MultiKeyRule.KerasAttention("query/kernel$");
        Map<String, TensorData> src = new java.util.HashMap<>();
        List<TensorSpec> specs = new ArrayList<>();
        for (String part : List.of("query", "key", "value")) {
            src.put("mha/" + part + "/kernel", RuleOpsTest.arange(4, 2, 2));
            src.put("mha/" + part + "/bias", RuleOpsTest.arange(2, 2));
            specs.add(RuleOpsTest.spec("mha/" + part + "/kernel", 4, 2, 2));
            specs.add(RuleOpsTest.spec("mha/" + part + "/bias", 2, 2));
        }
        src.put("mha/attention_output/kernel", RuleOpsTest.arange(2, 2, 4));
        src.put("mha/attention_output/bias", RuleOpsTest.arange(4));
        specs.add(RuleOpsTest.spec("mha/attention_output/kernel", 2, 2, 4));
        specs.add(RuleOpsTest.spec("mha/attention_output/bias", 4));
        RuleSet.Applied a = new RuleSet(List.of(rule)).apply(specs);
        assertThat(a.tensors()).extracting(TensorSpec::key).containsExactly("mha/in_proj_weight", "mha/in_proj_bias", "mha/out_proj.weight", "mha/out_proj.bias");
        assertThat(a.tensors()).extracting(TensorSpec::shape).containsExactly(List.of(12L, 4L), List.of(12L), List.of(4L, 4L), List.of(4L));
        // row r of q's weight is column r of the kernel reshaped to [4, 4]: arange(16).reshape(4, 4).T
        List<Double> w = values(a.data("mha/in_proj_weight", src::get));
        assertThat(w.subList(0, 8)).containsExactly(0.0, 4.0, 8.0, 12.0, 1.0, 5.0, 9.0, 13.0);
        assertThat(w.subList(16, 20)).containsExactly(0.0, 4.0, 8.0, 12.0); // k starts again
        assertThat(values(a.data("mha/in_proj_bias", src::get)).subList(0, 6)).containsExactly(0.0, 1.0, 2.0, 3.0, 0.0, 1.0);
        assertThat(values(a.data("mha/out_proj.weight", src::get)).subList(0, 4)).containsExactly(0.0, 4.0, 8.0, 12.0);
        assertThatThrownBy(() -> new RuleSet(List.of(rule)).apply(List.of(RuleOpsTest.spec("x/query/kernel", 4, 2, 3))))
                .hasMessageContaining("heads*head_dim 6 is not d 4");
    }
}
