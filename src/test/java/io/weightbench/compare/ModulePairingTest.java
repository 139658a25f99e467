package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModulePairingTest {

    static TensorSpec t(String key, long... shape) {
        return new TensorSpec(key, Arrays.stream(shape).boxed().toList(), DType.FLOAT32);
    }

    static List<TensorSpec> convBn(String conv, String bn, long out, long in, long k) {
        List<TensorSpec> l = new ArrayList<>(List.of(t(conv + ".weight", out, in, k, k)));
        for (String p : List.of("weight", "bias", "running_mean", "running_var")) l.add(t(bn + "." + p, out));
        return l;
    }

    @Test
    void aShortcutBuiltBeforeTheMainBranchStillPairsEachLayerWithItsOwn() {
        List<TensorSpec> model = new ArrayList<>();
        model.addAll(convBn("layer2.0.conv1", "layer2.0.bn1", 128, 64, 3));
        model.addAll(convBn("layer2.0.conv2", "layer2.0.bn2", 128, 128, 3));
        model.addAll(convBn("layer2.0.downsample.0", "layer2.0.downsample.1", 128, 64, 1));
        List<TensorSpec> keras = new ArrayList<>();
        keras.addAll(convBn("conv2d_5", "batch_normalization_5", 128, 64, 1)); // the shortcut first
        keras.addAll(convBn("conv2d_6", "batch_normalization_6", 128, 64, 3));
        keras.addAll(convBn("conv2d_7", "batch_normalization_7", 128, 128, 3));
        ModulePairing.Result r = ModulePairing.pair(model, keras);
        assertThat(r.unpaired()).isEmpty();
        assertThat(r.pairs()).extracting(p -> p.checkpointKey() + "->" + p.modelKey()).contains(
                "conv2d_6.weight->layer2.0.conv1.weight", "batch_normalization_6.running_mean->layer2.0.bn1.running_mean",
                "conv2d_7.weight->layer2.0.conv2.weight", "batch_normalization_7.weight->layer2.0.bn2.weight",
                "conv2d_5.weight->layer2.0.downsample.0.weight", "batch_normalization_5.running_var->layer2.0.downsample.1.running_var");
        assertThat(r.pairs()).allMatch(p -> !p.evidence().isBlank());
    }

    @Test
    void unlikeShapesAreNeverPairedAndWhatStaysIsListedWithWhy() {
        List<TensorSpec> model = List.of(t("fc.weight", 10, 512), t("fc.bias", 10), t("head.weight", 5, 8));
        List<TensorSpec> ckpt = List.of(t("dense.weight", 1000, 512), t("dense.bias", 1000), t("out.weight", 5, 8));
        ModulePairing.Result r = ModulePairing.pair(model, ckpt);
        assertThat(r.pairs()).extracting(ModulePairing.Pair::modelKey).containsExactly("head.weight");
        assertThat(r.unpaired()).extracting(ModulePairing.Unpaired::key).containsExactlyInAnyOrder("fc.weight", "fc.bias", "dense.weight", "dense.bias");
        assertThat(r.unpaired()).allMatch(u -> u.reason().contains("[10, 512]") || u.reason().contains("[1000, 512]"));
    }

    @Test
    void layersOfOneShapePairInTheirOrderOnlyWhenBothSidesHoldAsMany() {
        List<TensorSpec> model = List.of(t("a.weight", 4, 4), t("b.weight", 4, 4));
        assertThat(ModulePairing.pair(model, List.of(t("x.weight", 4, 4), t("y.weight", 4, 4))).pairs())
                .extracting(p -> p.checkpointKey() + "->" + p.modelKey()).containsExactly("x.weight->a.weight", "y.weight->b.weight");
        ModulePairing.Result r = ModulePairing.pair(model, List.of(t("x.weight", 4, 4)));
        assertThat(r.pairs()).isEmpty();
        assertThat(r.unpaired()).hasSize(3).allMatch(u -> u.reason().contains("2 layer(s)") && u.reason().contains("1 in the checkpoint"));
    }
}
