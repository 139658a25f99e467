package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleSet;
import io.weightbench.rules.TensorRule;
import io.weightbench.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

class DropRuleTest {

    private static TensorSpec t(String key, long... shape) {
        return TensorSpec.of(key, shape, DType.FLOAT32);
    }

    private static final List<TensorSpec> MODEL = List.of(t("conv1.weight", 8, 3, 3, 3), t("layer1.0.conv1.weight", 8, 8, 3, 3),
            t("layer1.0.bn1.weight", 8), t("fc.weight", 10, 8), t("fc.bias", 10));
    private static final List<TensorSpec> DATA_PARALLEL = List.of(t("module.conv1.weight", 8, 3, 3, 3),
            t("module.layer1.0.conv1.weight", 8, 8, 3, 3), t("module.layer1.0.bn1.weight", 8), t("module.fc.weight", 1000, 8),
            t("module.fc.bias", 1000));

    @Test
    void keyOntoKeyRenamesAndOffersThePrefixRuleForEveryKeyWithThatPrefix() throws Exception {
        DropRule.Proposal p = DropRule.propose("module.layer1.0.conv1.weight", true, "layer1.0.conv1.weight", true, DATA_PARALLEL, MODEL);
        assertThat(p.rule()).contains(new Rule.Rename("module.layer1.0.conv1.weight", "layer1.0.conv1.weight"));
        assertThat(p.broader()).contains(new Rule.StripPrefix("module."));
        assertThat(p.broaderAffected()).isEqualTo(5);
        assertThat(p.problem()).isEmpty();
        // the broader rule, applied, leaves only the head's size mismatch
        Comparison after = Comparator.compare(MODEL, new RuleSet(List.of(p.broader().get())).apply(DATA_PARALLEL).tensors(), java.util.Optional.empty());
        assertThat(after.missing()).isEmpty();
        assertThat(after.unexpected()).isEmpty();
        assertThat(after.mismatched()).extracting(Comparison.Mismatch::key).containsExactly("fc.weight", "fc.bias");
    }

    @Test
    void moduleOntoModuleReplacesThePrefix() {
        List<TensorSpec> mmdet = List.of(t("backbone.layer1.0.conv1.weight", 8, 8, 3, 3), t("backbone.layer1.0.bn1.weight", 8), t("neck.x", 1));
        DropRule.Proposal p = DropRule.propose("backbone.layer1", false, "layer1", false, mmdet, MODEL);
        assertThat(p.rule()).contains(new Rule.ReplacePrefix("backbone.layer1.", "layer1."));
        assertThat(p.affected()).isEqualTo(2);
        DropRule.Proposal whole = DropRule.propose("backbone", false, "", false, mmdet, MODEL);
        assertThat(whole.rule()).contains(new Rule.StripPrefix("backbone."));
    }

    @Test
    void shapesThatDoNotFitSayWhyAndOfferATransform() {
        DropRule.Proposal head = DropRule.propose("module.fc.weight", true, "fc.weight", true, DATA_PARALLEL, MODEL);
        assertThat(head.problem()).contains("[1000, 8]").contains("[10, 8]");
        assertThat(head.transforms()).containsExactly(new TensorRule.Slice("^\\Qfc.weight\\E$", 0, 0, 10, 1));
        DropRule.Proposal tf = DropRule.propose("dense.kernel", true, "fc.weight", true, List.of(t("dense.kernel", 8, 10)), MODEL);
        assertThat(tf.transforms()).containsExactly(new TensorRule.Transpose("^\\Qfc.weight\\E$", 0, 1));
        assertThat(tf.broader()).isEmpty(); // no shared ending: a rename only
    }

    @Test
    void mixedOrIdenticalDropsProposeNothing() {
        assertThat(DropRule.propose("module.fc", false, "fc.weight", true, DATA_PARALLEL, MODEL).rule()).isEmpty();
        assertThat(DropRule.propose("fc.weight", true, "fc.weight", true, MODEL, MODEL).problem()).contains("already");
    }
}
