package io.weightbench.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Fill;
import io.weightbench.rules.MultiKeyRule;
import io.weightbench.rules.RuleException;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --fill-missing's plan: the kind of each missing key from its name and rank, and add_tensor's own rules. */
class FillMissingTest {

    static TensorSpec spec(String key, DType dtype, long... shape) {
        List<Long> s = new ArrayList<>();
        for (long d : shape) s.add(d);
        return new TensorSpec(key, s, dtype);
    }

    static TensorSpec f32(String key, long... shape) { return spec(key, DType.FLOAT32, shape); }

    @Test
    void eachMissingKeyGetsTorchsInitialisationForItsKindOrAReason() {
        List<TensorSpec> model = List.of(f32("conv.weight", 8, 3, 3, 3), f32("conv.bias", 8),
                f32("bn.weight", 8), f32("bn.bias", 8), f32("bn.running_mean", 8), f32("bn.running_var", 8), spec("bn.num_batches_tracked", DType.INT64),
                f32("ln.weight", 16), f32("ln.bias", 16), f32("tok_embed.weight", 100, 16),
                f32("attn.in_proj_weight", 48, 16), f32("attn.in_proj_bias", 48), f32("attn.out_proj.weight", 16, 16), f32("attn.out_proj.bias", 16),
                f32("head.weight", 10, 16), f32("head.bias", 10), f32("cls_token", 1, 1, 16));
        FillMissing.Plan p = FillMissing.plan(model, List.of(f32("conv.weight", 8, 3, 3, 3)), FillMissing.Mode.INIT, 5, Optional.empty());
        Map<String, Fill> fills = new LinkedHashMap<>();
        for (MultiKeyRule.AddTensor a : p.rules()) fills.put(a.key(), a.fill().orElseThrow());
        double conv = 1 / Math.sqrt(27);
        assertThat(fills).containsEntry("conv.bias", new Fill.Uniform(-conv, conv, 5))
                .containsEntry("bn.weight", new Fill.Constant(1)).containsEntry("bn.bias", new Fill.Constant(0))
                .containsEntry("bn.running_mean", new Fill.Constant(0)).containsEntry("bn.running_var", new Fill.Constant(1))
                .containsEntry("bn.num_batches_tracked", new Fill.Constant(0))
                .containsEntry("ln.weight", new Fill.Constant(1)).containsEntry("ln.bias", new Fill.Constant(0))
                .containsEntry("tok_embed.weight", new Fill.Normal(0, 1, 5))
                .containsEntry("attn.in_proj_weight", new Fill.Uniform(-Math.sqrt(6.0 / 64), Math.sqrt(6.0 / 64), 5))
                .containsEntry("attn.in_proj_bias", new Fill.Constant(0)).containsEntry("attn.out_proj.bias", new Fill.Constant(0))
                .containsEntry("attn.out_proj.weight", new Fill.Uniform(-0.25, 0.25, 5))
                .containsEntry("head.weight", new Fill.Uniform(-0.25, 0.25, 5)).containsEntry("head.bias", new Fill.Uniform(-0.25, 0.25, 5))
                .doesNotContainKey("conv.weight");
        assertThat(p.unfilled()).extracting(FillMissing.Unfilled::key).containsExactly("cls_token");
        assertThat(p.unfilled().get(0).reason()).contains("use --fill-missing template");
    }

    @Test
    void addTensorRoundTripsAndRefusesAKeyThatIsThere(@TempDir Path dir) throws Exception {
        MultiKeyRule.AddTensor a = new MultiKeyRule.AddTensor("fc.bias", List.of(4L), DType.FLOAT16, Optional.of(new Fill.Uniform(-1, 1, 2)),
                Optional.empty(), "Linear bias");
        MultiKeyRule.AddTensor t = new MultiKeyRule.AddTensor("fc.weight", List.of(4L, 2L), DType.FLOAT32, Optional.empty(),
                Optional.of("/x/template.pth"), "");
        RuleSet rules = new RuleSet(List.of(a, t));
        Path f = dir.resolve("r.json");
        rules.write(f);
        assertThat(RuleSet.read(f)).isEqualTo(rules);
        RuleSet.Applied applied = rules.apply(List.of(f32("x", 1)));
        assertThat(applied.tensors()).extracting(TensorSpec::key).containsExactly("x", "fc.bias", "fc.weight");
        assertThat(applied.renamedFrom()).containsOnlyKeys("x");
        var data = applied.data("fc.bias", k -> null);
        assertThat(data.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(data.shape()).containsExactly(4);
        assertThatThrownBy(() -> rules.apply(List.of(f32("fc.bias", 4)))).isInstanceOf(RuleException.class)
                .hasMessageContaining("the checkpoint has 'fc.bias' already");
        assertThatThrownBy(() -> applied.data("fc.weight", k -> null)).hasMessageContaining("/x/template.pth");
    }
}
