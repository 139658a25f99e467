package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The presets in presets/torchvision-to-timm/ verified by outputs: a torchvision model with
 * random weights, its state_dict converted by {@code apply --rules PRESET}, loaded into timm's
 * model with strict=True, both run on the same input (scripts/verify_recipe.py); the outputs must
 * agree within float rounding. Skipped without ../shared/vendor/timm or Debian's torch.
 */
class RecipesInteropTest {

    @ParameterizedTest
    @CsvSource({"resnet50, resnet50, resnet.json", "convnext_tiny, convnext_tiny, convnext.json", "vit_b_16, vit_base_patch16_224, vit.json"})
    void torchvisionWeightsComputeTheSameOutputsInTimmAfterThePreset(String tv, String timm, String preset,
                                                                    @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String vendor = TestFiles.timm().toString();
        Path original = dir.resolve("tv.pth");
        Path converted = dir.resolve("timm.pth");
        TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", vendor, "save", tv, original.toString());
        InspectCommandTest.Result applied = InspectCommandTest.run("apply", "--rules", "presets/torchvision-to-timm/" + preset,
                original.toString(), "-o", converted.toString());
        assertThat(applied.code()).as(applied.err()).isZero();
        InspectCommandTest.Result strict = InspectCommandTest.run("compare", "--model", "catalog:timm/" + timm, "--checkpoint",
                converted.toString(), "--strict");
        assertThat(strict.code()).as(strict.out()).isZero();
        String log = TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", vendor, "check", tv, timm,
                original.toString(), converted.toString());
        assertThat(log).contains("max_abs_diff");
    }
}
