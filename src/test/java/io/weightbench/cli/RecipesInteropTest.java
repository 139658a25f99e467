package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The torchvision-to-timm presets verified by outputs: a torchvision model with random weights,
 * its state_dict converted by {@code apply --preset torchvision-to-timm/FAMILY}, loaded into
 * timm's model with strict=True, both run on the same input (scripts/verify_recipe.py); the
 * outputs must agree within float rounding. The converted file records the preset it was made
 * with. DenseNet also from a file with the names torchvision's downloads still have
 * ({@code denselayerN.norm.1}, no num_batches_tracked). And {@code suggest} alone finds the recipe:
 * its rules file, replayed by {@code apply}, gives the same result. Skipped without
 * ../shared/vendor/timm or Debian's torch.
 */
class RecipesInteropTest {

    @ParameterizedTest
    @CsvSource({"resnet50, resnet50, resnet,", "convnext_tiny, convnext_tiny, convnext,", "vit_b_16, vit_base_patch16_224, vit,",
            "efficientnet_b0, efficientnet_b0, efficientnet,", "regnet_y_400mf, regnety_004, regnet,",
            "mobilenet_v3_large, mobilenetv3_large_100, mobilenetv3,", "swin_t, swin_tiny_patch4_window7_224, swin,",
            "densenet121, densenet121, densenet,", "densenet121, densenet121, densenet, legacy-names",
            "resnext50_32x4d, resnext50_32x4d, resnet,", "vit_b_32, vit_base_patch32_224, vit,", "efficientnet_b3, efficientnet_b3, efficientnet,",
            "regnet_x_400mf, regnetx_004_tv, regnet,"})
    void torchvisionWeightsComputeTheSameOutputsInTimmAfterThePreset(String tv, String timm, String family, String saveOption,
                                                                    @TempDir Path dir) throws Exception {
        String preset = "torchvision-to-timm/" + family;
        Path original = torchvisionWeights(tv, saveOption, dir);
        Path converted = dir.resolve("timm.pth");
        InspectCommandTest.Result applied = InspectCommandTest.run("apply", "--preset", preset, original.toString(), "-o", converted.toString());
        assertThat(applied.code()).as(applied.err()).isZero();
        sameOutputs(tv, timm, original, converted, preset);

        Path recorded = dir.resolve("timm.safetensors");
        assertThat(InspectCommandTest.run("apply", "--preset", preset, original.toString(), "-o", recorded.toString()).code()).isZero();
        assertThat(InspectCommandTest.run("inspect", "--json", recorded.toString()).out()).contains("\\\"preset\\\":\\\"" + preset + "\\\"");
    }

    /**
     * suggest, then apply of what it wrote: nothing else. ResNet needs no recipe (the same keys); the
     * others are recognised by their keys, also when saved from a DataParallel (every key under 'module.').
     */
    @ParameterizedTest
    @CsvSource({"resnet50, resnet50,,", "convnext_tiny, convnext_tiny, torchvision-to-timm/convnext,",
            "mobilenet_v3_large, mobilenetv3_large_100, torchvision-to-timm/mobilenetv3,",
            "convnext_tiny, convnext_tiny, torchvision-to-timm/convnext, dataparallel"})
    void suggestFindsTheRecipeByItself(String tv, String timm, String recipe, String saveOption, @TempDir Path dir) throws Exception {
        Path original = torchvisionWeights(tv, saveOption, dir);
        Path rules = dir.resolve("rules.json");
        InspectCommandTest.Result suggested = InspectCommandTest.run("suggest", "--model", "catalog:timm/" + timm, "--checkpoint",
                original.toString(), "-o", rules.toString());
        assertThat(suggested.code()).as(suggested.err()).isZero();
        if (recipe == null) {
            assertThat(suggested.out()).contains("no suggestions").doesNotContain("preset");
        } else {
            String chosen = "chosen by its fit: recipe " + recipe + (saveOption == null ? ": " : " after stripping 'module.': ");
            assertThat(suggested.out()).contains("-> preset " + recipe + " (", chosen, "model keys match after it (", "then loads with strict=True");
        }
        Path converted = dir.resolve("timm.pth");
        InspectCommandTest.Result applied = InspectCommandTest.run("apply", "--rules", rules.toString(), original.toString(), "-o", converted.toString());
        assertThat(applied.code()).as(applied.err()).isZero();
        sameOutputs(tv, timm, original, converted, "suggest");
    }

    private static Path torchvisionWeights(String tv, String saveOption, Path dir) throws Exception {
        Path original = dir.resolve("tv.pth");
        List<String> save = new ArrayList<>(List.of(TestFiles.timm().toString(), "save", tv, original.toString()));
        if (saveOption != null) save.add(saveOption);
        TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", save.toArray(String[]::new));
        return original;
    }

    /** compare --strict, then both models on one input in torch (the script exits 1 above float rounding). */
    private static void sameOutputs(String tv, String timm, Path original, Path converted, String how) throws Exception {
        InspectCommandTest.Result strict = InspectCommandTest.run("compare", "--model", "catalog:timm/" + timm, "--checkpoint",
                converted.toString(), "--strict");
        assertThat(strict.code()).as(strict.out()).isZero();
        String log = TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", TestFiles.timm().toString(), "check", tv, timm,
                original.toString(), converted.toString());
        assertThat(log).contains("max_abs_diff");
        System.out.println(how + ": " + tv + " -> " + timm + ": " + log.strip());
    }
}
