package io.weightbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Recipes;
import io.weightbench.compare.Suggester;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.Presets;
import io.weightbench.rules.RuleSet;
import io.weightbench.rules.TensorRule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code suggest --model M --checkpoint C}: rules that make the checkpoint fit, best first. */
@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = {"Propose key-mapping rules that make a checkpoint fit a model.",
                "Suggestions come best first, each with the number of keys it fixes; -o writes them all as a rules file"
                        + " for compare, apply and verify --rules."})
public final class SuggestCommand extends CheckpointCommand {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "A template checkpoint, TorchScript file, shape-spec JSON or catalog:<name>.")
    String model;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "The checkpoint to fix.")
    Path checkpoint;

    @Option(names = {"-o", "--output"}, paramLabel = "RULES.json", description = "Write every suggestion, in order, as a rules file.")
    Path output;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Option(names = "--preset", paramLabel = "NAME", description = "The preset to apply before suggesting (keras, flax, paddle, mxnet,"
            + " onnx-from-torch, gguf-llama, torchvision-to-timm/FAMILY ...), or none; by default the one for the framework the checkpoint"
            + " comes from, and for a PyTorch file the recipe between model families that makes the most keys match, if one does"
            + " (docs/recipes.md).")
    String preset;

    @Override
    public Integer call() throws IOException {
        ModelSpec expected = ModelSpec.load(model);
        List<Suggester.Suggestion> suggestions;
        Suggester.Report report;
        RuleSet presetRules = RuleSet.empty();
        String format;
        Optional<String> chosen;
        Optional<String> evidence = Optional.empty();
        List<io.weightbench.model.TensorSpec> original;
        java.util.Map<String, long[]> nonFinite = new java.util.LinkedHashMap<>();
        try (Checkpoint c = checkpointOptions.open(checkpoint)) {
            format = c.format();
            chosen = preset == null ? Presets.detect(c.format(), c.metadata()) : preset.equals("none") ? Optional.empty() : Optional.of(preset);
            List<io.weightbench.model.TensorSpec> raw = ModelSpec.fromCheckpoint(c).tensors();
            Optional<Recipes.Choice> recipe = Optional.empty();
            if (preset == null && chosen.isEmpty()) {
                recipe = Recipes.choose(expected.tensors(), raw);
                chosen = recipe.map(Recipes.Choice::preset);
                evidence = recipe.map(Recipes.Choice::evidence);
            }
            // a recipe's rules as chosen (with the wrapper it was chosen after stripped first)
            if (recipe.isPresent()) presetRules = recipe.get().rules().resolve(c.metadata());
            else if (chosen.isPresent()) presetRules = Presets.load(chosen.get()).resolve(c.metadata());
            original = raw;
            List<io.weightbench.model.TensorSpec> held = presetRules.apply(original).tensors();
            for (io.weightbench.checkpoint.TensorEntry t : c.weights()) {
                long n = TensorRule.ReplaceNonFinite.count(t.data());
                if (n > 0) nonFinite.put(t.key(), new long[] {n, t.data().numel()});
            }
            report = Suggester.report(expected.tensors(), held);
            suggestions = report.suggestions();
        }
        RuleSet rules = new RuleSet(suggestions.stream().map(Suggester.Suggestion::rule).toList()).after(presetRules);
        List<RuleSet.Replaced> replaced = new java.util.ArrayList<>();
        if (!nonFinite.isEmpty()) {
            suggestions = new java.util.ArrayList<>(suggestions);
            suggestions.add(repair(rules, original, nonFinite, replaced));
            rules = new RuleSet(suggestions.stream().map(Suggester.Suggestion::rule).toList()).after(presetRules);
        }
        int first = presetRules.rules().size();
        if (output != null) {
            if (Files.exists(output) && Files.isSameFile(output, checkpoint)) throw new IOException(output + ": would overwrite the checkpoint");
            rules.write(output);
        }
        PrintWriter out = out();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            ArrayNode a = o.putArray("suggestions");
            ArrayNode ruleJson = (ArrayNode) rules.toJson().get("rules");
            o.put("format", format);
            if (chosen.isPresent()) o.put("preset", chosen.get());
            evidence.ifPresent(e -> o.put("preset_evidence", e));
            if (chosen.isPresent()) {
                ArrayNode pr = o.putArray("preset_rules");
                for (int i = 0; i < first; i++) pr.add(ruleJson.get(i));
            }
            for (int i = 0; i < suggestions.size(); i++) {
                Suggester.Suggestion s = suggestions.get(i);
                a.addObject().put("fixes", s.fixes()).put("reason", s.reason()).set("rule", ruleJson.get(first + i));
            }
            if (!replaced.isEmpty()) RuleFiles.replacedJson(o.putArray("replaced"), replaced);
            ArrayNode un = o.putArray("unpaired");
            for (var u : report.unpaired()) un.addObject().put("key", u.key()).put("side", u.inModel() ? "model" : "checkpoint").put("reason", u.reason());
            out.println(o);
        } else if (suggestions.isEmpty() && chosen.isEmpty()) {
            out.println("no suggestions: nothing left that a rule can fix");
        } else {
            if (chosen.isPresent()) {
                out.println("source: " + format + " -> preset " + chosen.get() + " (" + presetRules.rules().size() + " rules): " + Presets.description(chosen.get()));
                evidence.ifPresent(e -> out.println("chosen by its fit: " + e));
            }
            for (Suggester.Suggestion s : suggestions) {
                out.printf("%5s  %-50s %s%n", s.fixes() > 0 ? "+" + s.fixes() : "", s.rule().describe(), s.reason());
            }
            RuleFiles.printReplaced(out, rules, replaced);
            for (var u : report.unpaired()) out.println("unpaired " + (u.inModel() ? "model key " : "checkpoint key ") + u.key() + ": " + u.reason());
            if (output != null) out.println("\nwrote " + rules.rules().size() + " rules to " + output);
        }
        out.flush();
        return WeightbenchCommand.OK;
    }

    /**
     * The last suggestion when the checkpoint holds NaN or infinite values (what check reports):
     * those tensors, under their names after the rules before it, re-initialised whole with
     * normal(0, 0.02) as the seed does; {@code replaced} gets what it will replace.
     */
    static Suggester.Suggestion repair(RuleSet before, List<io.weightbench.model.TensorSpec> original, java.util.Map<String, long[]> nonFinite,
                                       List<RuleSet.Replaced> replaced) throws IOException {
        RuleSet.Applied applied = before.apply(original);
        List<String> keys = new java.util.ArrayList<>();
        long values = 0;
        for (io.weightbench.model.TensorSpec t : applied.tensors()) {
            long[] n = nonFinite.get(applied.renamedFrom().get(t.key()));
            if (n == null || applied.lineageOf(t.key()).sources().size() != 1) continue; // dropped, or made of several tensors
            keys.add(t.key());
            values += n[0];
            replaced.add(new RuleSet.Replaced(before.rules().size(), t.key(), n[1], n[1]));
        }
        String match = "^(?:" + String.join("|", keys.stream().map(k -> k.replaceAll("[\\\\.^$|?*+()\\[\\]{}]", "\\\\$0")).toList()) + ")$";
        TensorRule.ReplaceNonFinite rule = new TensorRule.ReplaceNonFinite(match, new io.weightbench.rules.Fill.Normal(0, 0.02, 0), true);
        return new Suggester.Suggestion(rule, 0, keys.size() + " tensors hold " + values + " NaN/inf values (see check): re-initialised whole with"
                + " normal(0, 0.02) as timm's recipe does; write \"fill\": 0 without \"whole_tensor\" to replace only those values");
    }
}
