package io.weightbench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Rule;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which recipe a torchvision state_dict gets against a timm model: recognised by the keys and shapes alone (both sides from the catalog). */
class RecipesTest {

    @ParameterizedTest
    @CsvSource({"convnext_tiny, convnext_tiny, torchvision-to-timm/convnext", "vit_b_16, vit_base_patch16_224, torchvision-to-timm/vit",
            "efficientnet_b0, efficientnet_b0, torchvision-to-timm/efficientnet", "regnet_y_400mf, regnety_004, torchvision-to-timm/regnet",
            "mobilenet_v3_large, mobilenetv3_large_100, torchvision-to-timm/mobilenetv3", "swin_t, swin_tiny_patch4_window7_224, torchvision-to-timm/swin",
            "convnext_base, convnext_base, torchvision-to-timm/convnext", "efficientnet_b3, efficientnet_b3, torchvision-to-timm/efficientnet",
            "regnet_x_8gf, regnetx_080, torchvision-to-timm/regnet"})
    void aTorchvisionCheckpointGetsItsFamilysRecipeAndThenLoadsStrictly(String tv, String timm, String recipe) throws Exception {
        List<TensorSpec> model = ModelSpec.load("catalog:timm/" + timm).tensors();
        Optional<Recipes.Choice> choice = Recipes.choose(model, ModelSpec.load("catalog:torchvision/" + tv).tensors());
        assertThat(choice).isPresent();
        assertThat(choice.get().preset()).isEqualTo(recipe);
        assertThat(choice.get().loadsStrictly()).as(choice.get().evidence()).isTrue();
        assertThat(choice.get().evidence()).startsWith("recipe " + recipe + ": " + model.size() + " of " + model.size() + " model keys match after it (")
                .contains("identify names the checkpoint catalog:torchvision/");
    }

    /** A recipe's patterns expect the state_dict's own names: a wrapper every key carries (and the model's keys lack) is stripped first. */
    @ParameterizedTest
    @CsvSource({"module., convnext_tiny, convnext_tiny, torchvision-to-timm/convnext", "_orig_mod., vit_b_16, vit_base_patch16_224, torchvision-to-timm/vit",
            "model., swin_t, swin_tiny_patch4_window7_224, torchvision-to-timm/swin"})
    void aWrappedCheckpointGetsItsWrapperStrippedThenItsRecipe(String wrapper, String tv, String timm, String recipe) throws Exception {
        List<TensorSpec> model = ModelSpec.load("catalog:timm/" + timm).tensors();
        List<TensorSpec> wrapped = ModelSpec.load("catalog:torchvision/" + tv).tensors().stream().map(t -> t.withKey(wrapper + t.key())).toList();
        Optional<Recipes.Choice> choice = Recipes.choose(model, wrapped);
        assertThat(choice).isPresent();
        assertThat(choice.get().preset()).isEqualTo(recipe);
        assertThat(choice.get().wrapper()).isEqualTo(wrapper);
        assertThat(choice.get().rules().rules().get(0)).isEqualTo(new Rule.StripPrefix(wrapper));
        assertThat(choice.get().rules().preset()).contains(recipe);
        assertThat(choice.get().loadsStrictly()).as(choice.get().evidence()).isTrue();
        assertThat(choice.get().evidence()).startsWith("recipe " + recipe + " after stripping '" + wrapper + "': " + model.size() + " of "
                + model.size() + " model keys match after it (");
        // "without" is the wrapper stripped alone: swin's two head keys already match then
        assertThat(choice.get().matchedBefore()).isLessThan(model.size() / 2);
    }

    @ParameterizedTest
    @CsvSource({"module., resnet50, resnet50", "module., resnet50, convnext_tiny"})
    void aWrapperAloneIsNotARecipe(String wrapper, String tv, String timm) throws Exception {
        // resnet's keys need only the prefix stripped (suggest's own rule); convnext's no recipe fits
        List<TensorSpec> wrapped = ModelSpec.load("catalog:torchvision/" + tv).tensors().stream().map(t -> t.withKey(wrapper + t.key())).toList();
        assertThat(Recipes.choose(ModelSpec.load("catalog:timm/" + timm).tensors(), wrapped)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"resnet50, resnet50", "densenet121, densenet121", "resnet50, convnext_tiny", "convnext_tiny, resnet50"})
    void keysThatAlreadyMatchOrThatNoRecipeHelpsGetNone(String tv, String timm) throws Exception {
        assertThat(Recipes.choose(ModelSpec.load("catalog:timm/" + timm).tensors(), ModelSpec.load("catalog:torchvision/" + tv).tensors())).isEmpty();
    }
}
