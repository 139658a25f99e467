package io.weightbench.format.keras;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keras 3's positional variables named as Keras' saving code lays them out (keras/src/saving/saving_lib.py, each layer's build()). */
class Keras3NamesTest {

    @Test
    void snakeCaseIsKeras() {
        assertThat(Keras3Names.snake("Conv2D")).isEqualTo("conv2d");
        assertThat(Keras3Names.snake("Conv2DTranspose")).isEqualTo("conv2d_transpose");
        assertThat(Keras3Names.snake("BatchNormalization")).isEqualTo("batch_normalization");
        assertThat(Keras3Names.snake("MultiHeadAttention")).isEqualTo("multi_head_attention");
    }

    @Test
    void flagsComeFromTheLayersConfigAndNestedModelsAreFollowed() {
        String config = """
                {"class_name": "Functional", "config": {"layers": [
                  {"class_name": "InputLayer", "config": {"name": "in"}},
                  {"class_name": "Dense", "config": {"name": "a", "use_bias": false}},
                  {"class_name": "Sequential", "config": {"name": "inner", "layers": [
                    {"class_name": "BatchNormalization", "config": {"center": false, "scale": true}},
                    {"class_name": "LSTM", "config": {"use_bias": true}},
                    {"class_name": "MultiHeadAttention", "config": {"use_bias": false}}]}},
                  {"class_name": "Dense", "config": {"name": "b"}},
                  {"class_name": "MyLayer", "config": {}}]}}""";
        List<String> keys = List.of("layers/dense/vars/0", "layers/dense_1/vars/0", "layers/dense_1/vars/1", "layers/my_layer/vars/0",
                "layers/sequential/layers/batch_normalization/vars/0", "layers/sequential/layers/batch_normalization/vars/1",
                "layers/sequential/layers/batch_normalization/vars/2", "layers/sequential/layers/lstm/cell/vars/0",
                "layers/sequential/layers/lstm/cell/vars/1", "layers/sequential/layers/lstm/cell/vars/2",
                "layers/sequential/layers/multi_head_attention/query_dense/vars/0");
        List<String> warnings = new ArrayList<>();
        Keras3Names.Named n = Keras3Names.of(config, keys, warnings);
        assertThat(n.names()).containsEntry("layers/dense/vars/0", "layers/dense/kernel")
                .containsEntry("layers/dense_1/vars/1", "layers/dense_1/bias")
                .containsEntry("layers/sequential/layers/batch_normalization/vars/0", "layers/sequential/layers/batch_normalization/gamma")
                .containsEntry("layers/sequential/layers/batch_normalization/vars/1", "layers/sequential/layers/batch_normalization/moving_mean")
                .containsEntry("layers/sequential/layers/lstm/cell/vars/1", "layers/sequential/layers/lstm/recurrent_kernel")
                .containsEntry("layers/sequential/layers/multi_head_attention/query_dense/vars/0",
                        "layers/sequential/layers/multi_head_attention/query/kernel")
                .doesNotContainKey("layers/my_layer/vars/0");
        assertThat(warnings).singleElement().asString().contains("1 Keras 3 layer(s)").contains("layers/my_layer");
        // config.json's order: dense (a), the Sequential's layers, dense_1 (b), then what config.json does not hold
        assertThat(n.order()).startsWith("layers/dense/vars/0", "layers/sequential/layers/batch_normalization/vars/0")
                .endsWith("layers/dense_1/vars/0", "layers/dense_1/vars/1", "layers/my_layer/vars/0");
    }

    @Test
    void withoutConfigTheCountDecidesOnlyWhenOneFlagSettingFits() {
        List<String> warnings = new ArrayList<>();
        Keras3Names.Named n = Keras3Names.of(null, List.of("layers/conv2d/vars/0", "layers/batch_normalization/vars/0",
                "layers/batch_normalization/vars/1", "layers/batch_normalization/vars/2"), warnings);
        assertThat(n.names()).containsOnlyKeys("layers/conv2d/vars/0").containsEntry("layers/conv2d/vars/0", "layers/conv2d/kernel");
        // three BatchNormalization variables: gamma or beta is missing, which one is not known
        assertThat(warnings).singleElement().asString().contains("layers/batch_normalization");
    }
}
