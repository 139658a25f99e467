package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The torchvision-to-timm presets verified by outputs: a torchvision model with random weights,
 * its state_dict converted by {@code apply --preset torchvision-to-timm/FAMILY}, loaded into
 * timm's model with strict=True, both run on the same input (scripts/verify_recipe.py); the
 * outputs must agree within float rounding. The converted file records the preset it was made
 * with. DenseNet also from a file with the names torchvision's downloads still have
 * ({@code denselayerN.norm.1}, no num_batches_tracked). Skipped without ../shared/vendor/timm or Debian's torch.
 */
class RecipesInteropTest {

    @ParameterizedTest
    @CsvSource({"resnet50, resnet50, resnet,", "convnext_tiny, convnext_tiny, convnext,", "vit_b_16, vit_base_patch16_224, vit,",
            "efficientnet_b0, efficientnet_b0, efficientnet,", "regnet_y_400mf, regnety_004, regnet,",
            "mobilenet_v3_large, mobilenetv3_large_100, mobilenetv3,", "swin_t, swin_tiny_patch4_window7_224, swin,",
            "densenet121, densenet121, densenet,", "densenet121, densenet121, densenet, legacy-names"})
    void torchvisionWeightsComputeTheSameOutputsInTimmAfterThePreset(String tv, String timm, String family, String saveOption,
                                                                    @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String vendor = TestFiles.timm().toString();
        String preset = "torchvision-to-timm/" + family;
        Path original = dir.resolve("tv.pth");
        Path converted = dir.resolve("timm.pth");
        java.util.List<String> save = new java.util.ArrayList<>(java.util.List.of(vendor, "save", tv, original.toString()));
        if (saveOption != null) save.add(saveOption);
        TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", save.toArray(String[]::new));
        InspectCommandTest.Result applied = InspectCommandTest.run("apply", "--preset", preset, original.toString(), "-o", converted.toString());
        assertThat(applied.code()).as(applied.err()).isZero();
        InspectCommandTest.Result strict = InspectCommandTest.run("compare", "--model", "catalog:timm/" + timm, "--checkpoint",
                converted.toString(), "--strict");
        assertThat(strict.code()).as(strict.out()).isZero();
        String log = TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", vendor, "check", tv, timm,
                original.toString(), converted.toString());
        assertThat(log).contains("max_abs_diff");
        System.out.println(preset + ": " + tv + " -> " + timm + ": " + log.strip());

        Path recorded = dir.resolve("timm.safetensors");
        assertThat(InspectCommandTest.run("apply", "--preset", preset, original.toString(), "-o", recorded.toString()).code()).isZero();
        assertThat(InspectCommandTest.run("inspect", "--json", recorded.toString()).out()).contains("\\\"preset\\\":\\\"" + preset + "\\\"");
    }
}
