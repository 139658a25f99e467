package io.weightbench.compare;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.RuleException;
import io.weightbench.rules.RuleSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a checkpoint fits a model after rules: the rules applied to the checkpoint's weights, then
 * compared with the model as torch's loader would. One computation for the CLI's {@code compare}
 * and the workbench, which recomputes it whenever a rule changes.
 *
 * @param held    the checkpoint's weights before the rules
 * @param applied the rules' outcome (renamed keys, counts per rule, dropped keys, transforms)
 */
public record Fit(List<TensorSpec> held, RuleSet rules, RuleSet.Applied applied, Comparison comparison) {

    public static Fit of(ModelSpec model, Checkpoint checkpoint, RuleSet rules) throws RuleException {
        List<TensorSpec> held = ModelSpec.fromCheckpoint(checkpoint).tensors();
        RuleSet.Applied applied = rules.apply(held);
        // Once rules rename keys, the file's per-module metadata no longer lines up with them.
        Optional<Map<String, Long>> versions = applied.renamesKeys() ? Optional.empty() : TorchMetadata.moduleVersions(checkpoint);
        return new Fit(held, rules, applied, Comparator.compare(model.tensors(), applied.tensors(), versions));
    }

    /** The checkpoint key (before the rules) that ends up under {@code key}, or the key itself. */
    public String originalKey(String key) {
        return applied.renamedFrom().getOrDefault(key, key);
    }
}
