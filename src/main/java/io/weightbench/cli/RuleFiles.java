package io.weightbench.cli;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.rules.Presets;
import io.weightbench.rules.RuleSet;
import java.io.IOException;
import java.nio.file.Path;

/** The rules a command applies: a preset's (--preset), then a rules file's (--rules), with values from the checkpoint's metadata filled in. */
final class RuleFiles {

    static final String PRESET_HELP = "A preset shipped with Weightbench, applied before --rules: a framework's (keras, flax, paddle,"
            + " mxnet, onnx-from-torch, gguf-llama) or a recipe between model families (torchvision-to-timm/resnet, /convnext, /vit,"
            + " ...; docs/recipes.md).";

    private RuleFiles() {}

    static RuleSet load(Path rules, String preset) throws IOException {
        RuleSet r = rules == null ? RuleSet.empty() : RuleSet.read(rules);
        return preset == null ? r : r.after(Presets.load(preset));
    }

    static RuleSet forCheckpoint(RuleSet rules, Checkpoint c) { return rules.resolve(c.metadata()); }
}
