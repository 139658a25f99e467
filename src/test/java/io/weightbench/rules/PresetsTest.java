package io.weightbench.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.DType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PresetsTest {

    static TensorSpec spec(String key, long... shape) {
        return new TensorSpec(key, java.util.Arrays.stream(shape).boxed().toList(), DType.FLOAT32);
    }

    @Test
    void everyPresetLoadsNamesItselfAndSaysWhatItIsFor() throws Exception {
        assertThat(Presets.names()).startsWith("keras", "flax", "paddle", "mxnet", "onnx-from-torch", "gguf-llama")
                .contains("torchvision-to-timm/resnet", "torchvision-to-timm/convnext", "torchvision-to-timm/vit",
                        "torchvision-to-timm/efficientnet", "torchvision-to-timm/regnet", "torchvision-to-timm/mobilenetv3", "torchvision-to-timm/swin",
                        "torchvision-to-timm/densenet");
        for (String name : Presets.names()) {
            RuleSet r = Presets.load(name);
            assertThat(r.preset()).contains(name);
            assertThat(r.toJson().get("preset").asText()).isEqualTo(name);
            assertThat(Presets.description(name)).isNotBlank();
        }
        assertThatThrownBy(() -> Presets.load("caffe")).isInstanceOf(RuleException.class).hasMessageContaining("unknown preset 'caffe' (known: keras");
    }

    @Test
    void theFrameworkOfAFileChoosesItsPreset() {
        assertThat(Presets.detect("keras-h5", Map.of())).contains("keras");
        assertThat(Presets.detect("tf-checkpoint", Map.of())).contains("keras");
        assertThat(Presets.detect("flax-msgpack", Map.of())).contains("flax");
        assertThat(Presets.detect("onnx", Map.of())).contains("onnx-from-torch");
        assertThat(Presets.detect("gguf", Map.of("general.architecture", "llama"))).contains("gguf-llama");
        assertThat(Presets.detect("gguf", Map.of("general.architecture", "gpt2"))).isEmpty();
        assertThat(Presets.detect("torch-zip", Map.of())).isEmpty();
    }

    @Test
    void kerasPresetGivesTorchNamesAndLayouts() throws Exception {
        RuleSet.Applied a = Presets.load("keras").apply(List.of(spec("conv2d_1/conv2d_1/kernel:0", 3, 3, 3, 64),
                spec("batch_normalization/batch_normalization/moving_variance:0", 64), spec("dense/dense/kernel:0", 512, 10),
                spec("block_1_depthwise/block_1_depthwise/depthwise_kernel:0", 3, 3, 32, 1), spec("lstm/lstm_cell/kernel:0", 4, 32),
                spec("lstm/lstm_cell/recurrent_kernel:0", 8, 32), spec("lstm/lstm_cell/bias:0", 32)));
        assertThat(a.tensors()).extracting(TensorSpec::key).containsExactly("conv2d_1.weight", "batch_normalization.running_var", "dense.weight",
                "block_1_depthwise.weight", "lstm_cell.weight_ih_l0", "lstm_cell.weight_hh_l0", "lstm_cell.bias_ih_l0", "lstm_cell.bias_hh_l0");
        assertThat(a.tensors()).extracting(TensorSpec::shape).containsExactly(List.of(64L, 3L, 3L, 3L), List.of(64L), List.of(10L, 512L),
                List.of(32L, 1L, 3L, 3L), List.of(32L, 4L), List.of(32L, 8L), List.of(32L), List.of(32L));
    }

    @Test
    void paddlePresetTransposesLinearsButNotEmbeddings() throws Exception {
        RuleSet.Applied a = Presets.load("paddle").apply(List.of(spec("embeddings.word_embeddings.weight", 100, 8), spec("fc.weight", 8, 4),
                spec("tok_embed.weight", 50, 8), spec("bn._mean", 4)));
        assertThat(a.tensors()).extracting(TensorSpec::shape).containsExactly(List.of(100L, 8L), List.of(4L, 8L), List.of(50L, 8L), List.of(4L));
        assertThat(a.tensors().get(3).key()).isEqualTo("bn.running_mean");
        assertThat(RuleSet.fromJson(Presets.load("paddle").toJson())).isEqualTo(Presets.load("paddle"));
    }

    @Test
    void ropeHeadsComeFromTheCheckpointsMetadata() throws Exception {
        RuleSet preset = Presets.load("gguf-llama");
        List<TensorSpec> t = List.of(spec("blk.0.attn_q.weight", 8, 8));
        assertThatThrownBy(() -> preset.apply(t)).hasMessageContaining("no metadata 'llama.attention.head_count'");
        RuleSet resolved = preset.resolve(Map.of("llama.attention.head_count", "2", "llama.attention.head_count_kv", "2"));
        assertThat(resolved.apply(t).tensors().get(0).key()).isEqualTo("model.layers.0.self_attn.q_proj.weight");
        assertThat(resolved.toJson().toString()).contains("\"heads\":2").contains("\"preset\":\"gguf-llama\"");
        assertThatThrownBy(() -> resolved.apply(List.of(spec("blk.0.attn_q.weight", 6, 8)))).hasMessageContaining("does not split into 2 heads");
    }

    /** Keras 3's positional variables: keras_names renames them by the table the reader put in the metadata, and is written resolved. */
    @Test
    void keras3VariableNamesComeFromTheCheckpointsMetadata() throws Exception {
        RuleSet preset = Presets.load("keras");
        List<TensorSpec> t = List.of(spec("layers/conv2d/vars/0", 3, 3, 3, 8), spec("layers/conv2d/vars/1", 8),
                spec("layers/batch_normalization/vars/2", 8), spec("layers/custom/vars/0", 8), spec("layers/dense/vars/0", 8, 10));
        // without the names (unresolved) positional keys stay apart: vars.<i> under their layer, no collision
        assertThat(preset.apply(t).tensors()).extracting(TensorSpec::key).containsExactly("conv2d.vars.0", "conv2d.vars.1",
                "batch_normalization.vars.2", "custom.vars.0", "dense.vars.0");
        RuleSet resolved = preset.resolve(Map.of("keras_weight_names", "{\"layers/conv2d/vars/0\":\"layers/conv2d/kernel\","
                + "\"layers/conv2d/vars/1\":\"layers/conv2d/bias\",\"layers/batch_normalization/vars/2\":\"layers/batch_normalization/moving_mean\","
                + "\"layers/dense/vars/0\":\"layers/dense/kernel\"}"));
        RuleSet.Applied a = resolved.apply(t);
        assertThat(a.tensors()).extracting(TensorSpec::key).containsExactly("conv2d.weight", "conv2d.bias", "batch_normalization.running_mean",
                "custom.vars.0", "dense.weight");
        assertThat(a.tensors()).extracting(TensorSpec::shape).containsExactly(List.of(8L, 3L, 3L, 3L), List.of(8L), List.of(8L), List.of(8L),
                List.of(10L, 8L));
        assertThat(resolved.toJson().toString()).contains("\"layers/conv2d/vars/1\":\"layers/conv2d/bias\"");
        assertThat(RuleSet.fromJson(resolved.toJson())).isEqualTo(resolved);
        assertThat(RuleSet.fromJson(preset.toJson())).isEqualTo(preset);
    }

    @Test
    void aRecipeBetweenModelFamiliesIsAPresetThatNamesItself() throws Exception {
        RuleSet convnext = Presets.load("torchvision-to-timm/convnext");
        RuleSet.Applied a = convnext.apply(List.of(spec("features.1.0.layer_scale", 96, 1, 1), spec("features.1.0.block.0.weight", 96, 1, 7, 7),
                spec("features.2.1.weight", 192, 96, 2, 2), spec("classifier.2.weight", 1000, 768)));
        assertThat(a.tensors()).extracting(TensorSpec::key).containsExactly("stages.0.blocks.0.gamma", "stages.0.blocks.0.conv_dw.weight",
                "stages.1.downsample.1.weight", "head.fc.weight");
        assertThat(a.tensors().get(0).shape()).containsExactly(96L);
        assertThat(convnext.toJson().get("preset").asText()).isEqualTo("torchvision-to-timm/convnext");
        assertThat(Presets.detect("torch-zip", Map.of())).isEmpty();
        RuleSet.Applied legacy = Presets.load("torchvision-to-timm/densenet").apply(List.of(spec("features.denseblock1.denselayer1.norm.1.running_var", 64),
                spec("features.denseblock4.denselayer16.conv.2.weight", 32, 128, 3, 3), spec("features.denseblock1.denselayer1.norm1.weight", 64)));
        assertThat(legacy.tensors()).extracting(TensorSpec::key).containsExactly("features.denseblock1.denselayer1.norm1.running_var",
                "features.denseblock4.denselayer16.conv2.weight", "features.denseblock1.denselayer1.norm1.weight");
    }

    @Test
    void rulesAfterAPresetKeepItsName() {
        RuleSet mine = new RuleSet(List.of(new Rule.Rename("a", "b")));
        RuleSet both = mine.after(new RuleSet(List.of(new Rule.StripSuffix(":0")), Optional.of("keras")));
        assertThat(both.rules()).hasSize(2);
        assertThat(both.preset()).contains("keras");
        assertThat(both.version()).isEqualTo(2);
    }
}
