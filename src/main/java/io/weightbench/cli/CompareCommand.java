package io.weightbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.compare.Comparator;
import io.weightbench.compare.Comparison;
import io.weightbench.compare.Grouping;
import io.weightbench.compare.Fit;
import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code compare --model M --checkpoint C}: how the checkpoint fits the model, as torch would load it. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compare a checkpoint with the model that should load it.",
                "Lists matched, missing, unexpected, shape-mismatched and dtype-changed keys, relative to each side's weights entry,"
                        + " after --rules. missing, unexpected and mismatched are what model.load_state_dict(sd, strict=False) reports"
                        + " (size mismatches split out first); keys torch passes over without a word are listed as ignored by torch.",
                "MODEL is a checkpoint used as a template, a TorchScript file, a shape-spec JSON, or catalog:<name>."})
public final class CompareCommand extends CheckpointCommand {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "What the model expects (see above).")
    String model;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "The checkpoint to load.")
    Path checkpoint;

    @Option(names = "--rules", paramLabel = "RULES.json", description = "Key-mapping rules to apply to the checkpoint's keys first.")
    Path rules;

    @Option(names = "--preset", paramLabel = "NAME", description = RuleFiles.PRESET_HELP)
    String preset;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Option(names = "--strict", description = "Exit 1 unless torch would load the checkpoint with strict=True.")
    boolean strict;

    @Override
    public Integer call() throws IOException {
        ModelSpec expected = ModelSpec.load(model);
        RuleSet loaded = RuleFiles.load(rules, preset);
        try (Checkpoint c = checkpointOptions.open(checkpoint)) {
            RuleSet ruleSet = RuleFiles.forCheckpoint(loaded, c);
            Fit fit = Fit.of(expected, c, ruleSet);
            RuleSet.Applied applied = fit.applied();
            Comparison cmp = fit.comparison();
            List<RuleSet.Replaced> replaced = RuleFiles.replaced(ruleSet, c);
            PrintWriter out = out();
            if (json) {
                ObjectNode o = toJson(expected, c, ruleSet, applied, cmp);
                if (!replaced.isEmpty()) RuleFiles.replacedJson(o.putArray("replaced"), replaced);
                out.println(o.toString());
            } else {
                printReport(out, expected, c, ruleSet, applied, cmp, replaced);
            }
            out.flush();
            return strict && !cmp.loadsStrictly() ? WeightbenchCommand.CHECK_FAILED : WeightbenchCommand.OK;
        }
    }

    private static ObjectNode toJson(ModelSpec expected, Checkpoint c, RuleSet rules, RuleSet.Applied applied, Comparison cmp) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model", expected.source());
        o.put("checkpoint", c.file().toString());
        o.put("weights_entry", c.weightsEntry());
        o.put("matched", cmp.matched());
        strings(o.putArray("missing"), cmp.missing());
        strings(o.putArray("unexpected"), cmp.unexpected());
        ArrayNode mm = o.putArray("mismatched");
        for (Comparison.Mismatch m : cmp.mismatched()) {
            ObjectNode x = mm.addObject().put("key", m.key());
            m.modelShape().forEach(x.putArray("model_shape")::add);
            m.checkpointShape().forEach(x.putArray("checkpoint_shape")::add);
        }
        ArrayNode dt = o.putArray("dtype_changed");
        for (Comparison.DtypeChange d : cmp.dtypeChanged()) {
            dt.addObject().put("key", d.key()).put("model_dtype", d.modelDtype().torchName()).put("checkpoint_dtype", d.checkpointDtype().torchName());
        }
        strings(o.putArray("filled_by_torch"), cmp.filledByTorch());
        strings(o.putArray("ignored_by_torch"), cmp.ignoredByTorch());
        strings(o.putArray("notes"), cmp.notes());
        ArrayNode rs = o.putArray("rules");
        for (int i = 0; i < rules.rules().size(); i++) {
            rs.addObject().put("rule", rules.rules().get(i).describe()).put("changed", applied.changedPerRule().get(i));
        }
        strings(o.putArray("dropped"), applied.dropped());
        o.put("loads_strictly", cmp.loadsStrictly());
        return o;
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static void printReport(PrintWriter out, ModelSpec expected, Checkpoint c, RuleSet rules, RuleSet.Applied applied, Comparison cmp,
                                    List<RuleSet.Replaced> replaced) {
        List<String> modelKeys = expected.tensors().stream().map(TensorSpec::key).filter(k -> !cmp.filledByTorch().contains(k)).toList();
        List<String> ckptKeys = applied.tensors().stream().map(TensorSpec::key).toList();
        out.println("model:         " + expected.source() + " (" + expected.tensors().size() + " tensors)");
        out.println("checkpoint:    " + c.file() + " (" + c.weights().size() + " tensors in weights entry "
                + (c.weightsEntry().isEmpty() ? "(top level)" : c.weightsEntry()) + ")");
        for (int i = 0; i < rules.rules().size(); i++) {
            out.println("rule " + (i + 1) + ":        " + rules.rules().get(i).describe() + "  (" + applied.changedPerRule().get(i) + " keys changed)");
        }
        section(out, "dropped by the rules", Grouping.group(applied.dropped(), c.weights().stream().map(TensorEntry::key).toList()));
        RuleFiles.printReplaced(out, rules, replaced);
        out.println();
        out.println("matched:       " + cmp.matched());
        section(out, "missing (in the model, not in the checkpoint)", Grouping.group(cmp.missing(), modelKeys));
        section(out, "unexpected (in the checkpoint, not in the model)", Grouping.group(cmp.unexpected(), ckptKeys));
        if (!cmp.mismatched().isEmpty()) {
            out.println("shape mismatched: " + cmp.mismatched().size());
            for (Comparison.Mismatch m : cmp.mismatched()) {
                out.println("  " + m.key() + ": model " + m.modelShape() + ", checkpoint " + m.checkpointShape());
            }
        }
        if (!cmp.dtypeChanged().isEmpty()) {
            // grouped by module like the missing keys, one group per (model, checkpoint) dtype pair
            out.println("dtype changed (torch casts on load): " + cmp.dtypeChanged().size());
            // (a module's keys of another dtype, like num_batches_tracked, do not keep it from being one group)
            Map<String, List<String>> byPair = new LinkedHashMap<>();
            Map<String, List<String>> universe = new LinkedHashMap<>();
            for (Comparison.DtypeChange d : cmp.dtypeChanged()) {
                String pair = "model " + d.modelDtype() + ", checkpoint " + d.checkpointDtype();
                byPair.computeIfAbsent(pair, k -> new ArrayList<>()).add(d.key());
                universe.computeIfAbsent(pair, k -> expected.tensors().stream().filter(t -> t.dtype() == d.modelDtype()).map(TensorSpec::key).toList());
            }
            for (Map.Entry<String, List<String>> e : byPair.entrySet()) {
                for (Grouping.Group g : Grouping.group(e.getValue(), universe.get(e.getKey()))) out.println("  " + g.label() + ": " + e.getKey());
            }
        }
        if (!cmp.filledByTorch().isEmpty()) {
            out.println("not reported by torch (BatchNorm fills num_batches_tracked in): " + cmp.filledByTorch().size());
        }
        section(out, "ignored by torch (neither loaded nor reported: the name after a module is one of its parameters,"
                + " or the key is a submodule's name)", Grouping.group(cmp.ignoredByTorch(), ckptKeys));
        for (String n : cmp.notes()) out.println("note: " + n);
        out.println();
        out.println(cmp.loadsStrictly() ? "verdict: loads with strict=True" : "verdict: does not load with strict=True");
    }

    private static void section(PrintWriter out, String title, List<Grouping.Group> groups) {
        int n = groups.stream().mapToInt(g -> g.keys().size()).sum();
        if (n == 0) return;
        out.println(title + ": " + n);
        for (Grouping.Group g : groups) out.println("  " + g.label());
    }
}
