package io.weightbench.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Presets;
import io.weightbench.rules.RuleSet;
import io.weightbench.rules.TensorRule;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /** What the rules' replace_nonfinite ops replace in the checkpoint (nothing read when there is none). */
    static List<RuleSet.Replaced> replaced(RuleSet rules, Checkpoint c) throws IOException {
        if (rules.rules().stream().noneMatch(r -> r instanceof TensorRule.ReplaceNonFinite)) return List.of();
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, TensorData> byKey = new HashMap<>();
        for (TensorEntry t : c.weights()) {
            specs.add(TensorSpec.of(t.key(), t.data().shape(), t.data().dtype()));
            byKey.put(t.key(), t.data());
        }
        return rules.replaced(rules.apply(specs), byKey::get);
    }

    /** One line per replace_nonfinite rule that replaced something: how many values in how many tensors, the first tensors named. */
    static void printReplaced(PrintWriter out, RuleSet rules, List<RuleSet.Replaced> replaced) {
        Map<Integer, List<RuleSet.Replaced>> byRule = new TreeMap<>();
        for (RuleSet.Replaced r : replaced) byRule.computeIfAbsent(r.rule(), k -> new ArrayList<>()).add(r);
        for (Map.Entry<Integer, List<RuleSet.Replaced>> e : byRule.entrySet()) {
            List<RuleSet.Replaced> list = e.getValue();
            long values = list.stream().mapToLong(RuleSet.Replaced::values).sum();
            StringBuilder keys = new StringBuilder();
            for (int i = 0; i < Math.min(8, list.size()); i++) {
                RuleSet.Replaced r = list.get(i);
                keys.append(i == 0 ? "" : ", ").append(r.key()).append(" (").append(r.values()).append(" of ").append(r.of()).append(")");
            }
            if (list.size() > 8) keys.append(" and ").append(list.size() - 8).append(" more");
            out.println("rule " + (e.getKey() + 1) + " (" + rules.rules().get(e.getKey()).describe() + ") replaced " + values + " values in "
                    + list.size() + " tensors: " + keys);
        }
    }

    /** {@code [{"rule": 1, "key": ..., "values": ..., "of": ...}]}, rules numbered from 1 as in the text. */
    static void replacedJson(ArrayNode a, List<RuleSet.Replaced> replaced) {
        for (RuleSet.Replaced r : replaced) a.addObject().put("rule", r.rule() + 1).put("key", r.key()).put("values", r.values()).put("of", r.of());
    }
}
