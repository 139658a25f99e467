package io.weightbench.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.TestFiles;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Suggester;
import io.weightbench.format.Formats;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.RuleSet;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole flow against real torch: a resnet18 training checkpoint with DataParallel keys, the
 * suggested rules, exported to .pth and .safetensors; torch loads both with weights_only=True /
 * strict=True and every value is identical. Skipped without Debian's python3-torch.
 */
class ExportInteropTest {

    static String python(String... args) throws Exception {
        return TestFiles.runTorchScript("scripts/interop_export.py", args);
    }

    @Test
    void suggestedFixOfADataParallelCheckpointLoadsStrictlyInTorch(@TempDir Path dir) throws Exception {
        python("make", dir.toString());
        try (Checkpoint c = Formats.standard().open(dir.resolve("original.pth"))) {
            assertThat(c.weightsEntry()).isEqualTo("state_dict");
            RuleSet rules = new RuleSet(Suggester.suggest(ModelSpec.load("catalog:resnet18").tensors(), ModelSpec.fromCheckpoint(c).tensors())
                    .stream().map(Suggester.Suggestion::rule).toList());
            Exporter.Result pth = Exporter.export(c, rules, dir.resolve("fixed.pth"));
            assertThat(pth.warnings()).isEmpty();
            Exporter.export(c, rules, dir.resolve("fixed.safetensors"));
            Exporter.export(c, rules, dir.resolve("fixed_sd.pth"), true);
        }
        String log = python("check", dir.toString());
        assertThat(log).contains("fixed.pth: strict load OK, 122 tensors identical").contains("fixed_sd.pth: strict load OK").contains("fixed.safetensors: strict load OK");
    }
}
