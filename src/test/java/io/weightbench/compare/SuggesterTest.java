package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Applying every suggestion fixes the classic cases, checked on catalog architectures. */
class SuggesterTest {

    static List<TensorSpec> prefixed(List<TensorSpec> tensors, String prefix) {
        return tensors.stream().map(t -> t.withKey(prefix + t.key())).toList();
    }

    static Comparison afterAllSuggestions(List<TensorSpec> model, List<TensorSpec> checkpoint) throws Exception {
        List<Suggester.Suggestion> s = Suggester.suggest(model, checkpoint);
        RuleSet rules = new RuleSet(s.stream().map(Suggester.Suggestion::rule).toList());
        return Comparator.compare(model, rules.apply(checkpoint).tensors(), Optional.empty());
    }

    @Test
    void dataParallelPrefixIsStrippedBySuggestion() throws Exception {
        List<TensorSpec> model = ModelSpec.load("catalog:resnet50").tensors();
        List<Suggester.Suggestion> s = Suggester.suggest(model, prefixed(model, "module."));
        assertThat(s.get(0).rule()).isEqualTo(new Rule.StripPrefix("module."));
        assertThat(s.get(0).fixes()).isEqualTo(model.size());
        assertThat(afterAllSuggestions(model, prefixed(model, "module.")).loadsStrictly()).isTrue();
    }

    @Test
    void lightningModelPrefixAndTorchCompilePrefix() throws Exception {
        List<TensorSpec> model = ModelSpec.load("catalog:mobilenet_v3_large").tensors();
        assertThat(afterAllSuggestions(model, prefixed(model, "model._orig_mod.")).loadsStrictly()).isTrue();
    }

    @Test
    void mmdetBackboneWithNeckAndHeadsReachesZeroMissingAndUnexpected() throws Exception {
        List<TensorSpec> model = ModelSpec.load("catalog:resnet18").tensors();
        List<TensorSpec> ckpt = new ArrayList<>(prefixed(model, "backbone."));
        ckpt.add(new TensorSpec("neck.lateral_convs.0.conv.weight", List.of(256L, 64L, 1L, 1L), DType.FLOAT32));
        ckpt.add(new TensorSpec("neck.lateral_convs.0.conv.bias", List.of(256L), DType.FLOAT32));
        ckpt.add(new TensorSpec("bbox_head.cls.weight", List.of(80L, 256L), DType.FLOAT32));
        ckpt.add(new TensorSpec("bbox_head.cls.bias", List.of(80L), DType.FLOAT32));
        Comparison c = afterAllSuggestions(model, ckpt);
        assertThat(c.missing()).isEmpty();
        assertThat(c.unexpected()).isEmpty();
        assertThat(c.matched()).isEqualTo(model.size());
    }

    @Test
    void modelThatNestsTheNetworkGetsAnAddedPrefix() throws Exception {
        List<TensorSpec> ckpt = ModelSpec.load("catalog:squeezenet1_0").tensors();
        List<Suggester.Suggestion> s = Suggester.suggest(prefixed(ckpt, "encoder."), ckpt);
        assertThat(s.get(0).rule()).isEqualTo(new Rule.AddPrefix("encoder."));
    }

    @Test
    void tensorFlowStyleNormNamesAreRenamed() throws Exception {
        List<TensorSpec> model = List.of(new TensorSpec("ln.weight", List.of(8L), DType.FLOAT32), new TensorSpec("ln.bias", List.of(8L), DType.FLOAT32));
        List<TensorSpec> ckpt = List.of(new TensorSpec("ln.gamma", List.of(8L), DType.FLOAT32), new TensorSpec("ln.beta", List.of(8L), DType.FLOAT32));
        assertThat(afterAllSuggestions(model, ckpt).loadsStrictly()).isTrue();
    }

    @Test
    void leftoversArePairedByUniqueShape() throws Exception {
        List<TensorSpec> model = List.of(new TensorSpec("classifier.weight", List.of(10L, 64L), DType.FLOAT32),
                new TensorSpec("classifier.bias", List.of(10L), DType.FLOAT32));
        List<TensorSpec> ckpt = List.of(new TensorSpec("fc_out.w", List.of(10L, 64L), DType.FLOAT32),
                new TensorSpec("fc_out.b", List.of(10L), DType.FLOAT32));
        List<Suggester.Suggestion> s = Suggester.suggest(model, ckpt);
        assertThat(s).extracting(Suggester.Suggestion::rule)
                .contains(new Rule.Rename("fc_out.w", "classifier.weight"), new Rule.Rename("fc_out.b", "classifier.bias"));
        assertThat(afterAllSuggestions(model, ckpt).loadsStrictly()).isTrue();
    }

    @Test
    void aHeadWithMoreClassesIsSlicedToFit() throws Exception {
        List<TensorSpec> model = ModelSpec.load("catalog:resnet18").tensors();
        List<TensorSpec> ckpt = model.stream().map(t -> t.key().startsWith("fc.")
                ? new TensorSpec(t.key(), t.key().endsWith("weight") ? List.of(1100L, 512L) : List.of(1100L), t.dtype()) : t).toList();
        List<Suggester.Suggestion> s = Suggester.suggest(model, ckpt);
        assertThat(s).extracting(x -> x.rule().describe()).containsExactly("slice /^fc\\.weight$/ dim 0 [0:1000]", "slice /^fc\\.bias$/ dim 0 [0:1000]");
        assertThat(afterAllSuggestions(model, ckpt).loadsStrictly()).isTrue();
    }

    @Test
    void aHeadOfTheWrongSizeIsSuggestedForDropping() throws Exception {
        List<TensorSpec> model = ModelSpec.load("catalog:resnet18").tensors();
        List<TensorSpec> ckpt = model.stream().map(t -> t.key().startsWith("fc.")
                ? new TensorSpec(t.key(), t.key().endsWith("weight") ? List.of(5L, 512L) : List.of(5L), t.dtype()) : t).toList();
        List<Suggester.Suggestion> s = Suggester.suggest(model, ckpt);
        assertThat(s).extracting(x -> x.rule().describe()).containsExactly("drop /^fc\\.weight$/", "drop /^fc\\.bias$/");
        Comparison c = afterAllSuggestions(model, ckpt);
        assertThat(c.mismatched()).isEmpty();
        assertThat(c.missing()).containsExactly("fc.weight", "fc.bias");
    }

    /** Keras' auto names say nothing about which BatchNorm is which: order decides, never a guess by parameter names. */
    @Test
    void autoNamedModulesOfOneShapePairInFileOrder() {
        java.util.function.BiFunction<String, Long, List<TensorSpec>> bn = (m, n) -> List.of(
                new TensorSpec(m + ".weight", List.of(n), io.weightbench.tensor.DType.FLOAT32),
                new TensorSpec(m + ".bias", List.of(n), io.weightbench.tensor.DType.FLOAT32));
        List<TensorSpec> model = new java.util.ArrayList<>(bn.apply("block.bn1", 4L));
        model.addAll(bn.apply("block.bn2", 4L));
        List<TensorSpec> keras = new java.util.ArrayList<>(bn.apply("batch_normalization_3", 4L));
        keras.addAll(bn.apply("batch_normalization_4", 4L));
        List<Suggester.Suggestion> s = Suggester.suggest(model, keras);
        assertThat(s).extracting(x -> x.rule().describe()).containsExactly("batch_normalization_3.weight -> block.bn1.weight",
                "batch_normalization_3.bias -> block.bn1.bias", "batch_normalization_4.weight -> block.bn2.weight",
                "batch_normalization_4.bias -> block.bn2.bias");
        assertThat(s).allMatch(x -> x.reason().contains("on both sides"));
    }
}
