package io.weightbench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's MMDetection -> timm backbone move, verified by outputs: a Faster R-CNN R-50-FPN
 * checkpoint as mmcv writes it ({"meta", "state_dict": backbone / neck / rpn_head / roi_head},
 * made by scripts/verify_recipe.py around a torchvision resnet50's random weights) goes through
 * {@code apply --preset mmdet-to-timm/resnet --weights-only}; the result loads with strict=True
 * into timm's resnet50 with features_only=true, whose five feature maps must equal those of
 * torchvision's ResNet trunk with the same backbone weights; suggest finds the preset by itself.
 * Skipped without
 * ../shared/vendor/timm or Debian's torch.
 */
class MmdetRecipeInteropTest {

    @Test
    void anMmdetBackboneLoadsIntoTimmsFeaturesOnlyResnetAndComputesTheSameFeatures(@TempDir Path dir) throws Exception {
        String vendor = TestFiles.timm().toString();
        Path mmdet = dir.resolve("faster_rcnn_r50_fpn_1x_coco.pth");
        Path converted = dir.resolve("resnet50_features.pth");
        TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", vendor, "save", "resnet50", mmdet.toString(), "mmdet");

        String model = "catalog:timm/resnet50?features_only=true";
        InspectCommandTest.Result before = InspectCommandTest.run("compare", "--model", model, "--checkpoint", mmdet.toString(),
                "--preset", "mmdet-to-timm/resnet", "--strict");
        assertThat(before.code()).as(before.out()).isZero();
        assertThat(before.out()).contains("weights entry state_dict", "dropped by the rules: 30", "  neck.* (16 keys)", "  rpn_head.* (6 keys)",
                "  roi_head.* (8 keys)", "matched:       318", "verdict: loads with strict=True");

        InspectCommandTest.Result suggested = InspectCommandTest.run("suggest", "--model", model, "--checkpoint", mmdet.toString());
        assertThat(suggested.out()).as(suggested.err()).contains("-> preset mmdet-to-timm/resnet (2 rules)",
                "chosen by its fit: recipe mmdet-to-timm/resnet: 318 of 318 model keys match after it (0 without), then loads with strict=True");

        InspectCommandTest.Result applied = InspectCommandTest.run("apply", "--preset", "mmdet-to-timm/resnet", "--weights-only",
                mmdet.toString(), "-o", converted.toString());
        assertThat(applied.code()).as(applied.err()).isZero();
        assertThat(InspectCommandTest.run("compare", "--model", model, "--checkpoint", converted.toString(), "--strict").code()).isZero();
        String log = TestFiles.runPythonScript("torch,torchvision,yaml", "scripts/verify_recipe.py", vendor, "check-features", "resnet50",
                "resnet50", mmdet.toString(), converted.toString());
        assertThat(log).contains("max_abs_diff", "over 5 feature maps");
        System.out.println("mmdet-to-timm/resnet: " + log.strip());
    }
}
