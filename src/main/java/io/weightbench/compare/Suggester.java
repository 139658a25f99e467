package io.weightbench.compare;

import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleException;
import io.weightbench.rules.RuleSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Proposes rules that make a checkpoint fit a model, best first, each with the number of keys it
 * fixes: prefix strips, additions and replacements found by aligning unexpected keys with missing
 * ones ({@code module.}, {@code model.}, {@code backbone.} ...), known renames ({@code gamma}/
 * {@code beta}, TF's {@code moving_mean}), a one-to-one shape-aware pairing of what remains, and
 * dropping classifier heads whose shape does not fit.
 */
public final class Suggester {

    /** One proposed rule; {@code fixes} counts the keys that become matched once it is applied after the ones before it. */
    public record Suggestion(Rule rule, int fixes, String reason) {}

    static final int MAX_ROUNDS = 64;

    /** Renames that ports between frameworks need; tried like any other candidate. */
    static final List<Rule> KNOWN_RENAMES = List.of(
            new Rule.RegexRename("\\.gamma$", ".weight"),
            new Rule.RegexRename("\\.beta$", ".bias"),
            new Rule.RegexRename("\\.moving_mean$", ".running_mean"),
            new Rule.RegexRename("\\.moving_variance$", ".running_var"));

    private Suggester() {}

    /** The suggestions, and the keys that stay unpaired after the shape-aware pairing (with why). */
    public record Report(List<Suggestion> suggestions, List<ModulePairing.Unpaired> unpaired) {}

    public static List<Suggestion> suggest(List<TensorSpec> model, List<TensorSpec> checkpoint) {
        return report(model, checkpoint).suggestions();
    }

    public static Report report(List<TensorSpec> model, List<TensorSpec> checkpoint) {
        List<Suggestion> out = new ArrayList<>();
        List<TensorSpec> current = checkpoint;
        Comparison cmp = Comparator.compare(model, current, Optional.empty());
        for (int round = 0; round < MAX_ROUNDS && !(cmp.missing().isEmpty() && cmp.unexpected().isEmpty()); round++) {
            Rule best = null;
            int bestGain = 0;
            List<TensorSpec> bestResult = null;
            for (Rule candidate : candidates(cmp)) {
                // a rule that swaps one whole module name for another (batch_normalization_7. ->
                // layer2.0.bn1.) aligned only its parameter names: a guess between modules of one
                // shape, left to the pairing by shape and order, which knows which one comes first
                if (swapsOneWholeModule(candidate, current)) continue;
                RuleSet.Applied applied;
                try {
                    applied = new RuleSet(List.of(candidate)).apply(current);
                } catch (RuleException conflict) {
                    continue; // a rule that collides keys is never suggested
                }
                List<TensorSpec> result = applied.tensors();
                Comparison next = Comparator.compare(model, result, Optional.empty());
                // What it fixes, less the shape mismatches it creates; and at least half of the keys it
                // touches must end up matched, so that a rule is never a coincidence of one key.
                int gain = next.matched() - cmp.matched() - Math.max(0, next.mismatched().size() - cmp.mismatched().size());
                int touched = applied.changedPerRule().get(0);
                if (gain * 2 < touched) continue;
                if (gain > bestGain) {
                    best = candidate;
                    bestGain = gain;
                    bestResult = result;
                }
            }
            if (best == null) break;
            out.add(new Suggestion(best, bestGain, reasonFor(best)));
            current = bestResult;
            cmp = Comparator.compare(model, current, Optional.empty());
        }
        ModulePairing.Result pairing = pairByShape(model, current, cmp);
        List<Suggestion> pairs = pairing.pairs().stream()
                .map(p -> new Suggestion(new Rule.Rename(p.checkpointKey(), p.modelKey()), 1, p.evidence())).toList();
        out.addAll(pairs);
        List<TensorSpec> afterPairs = applyAll(current, pairs);
        Comparison after = Comparator.compare(model, afterPairs, Optional.empty());
        for (Comparison.Mismatch m : after.mismatched()) {
            if (sliceable(m)) {
                out.add(new Suggestion(new io.weightbench.rules.TensorRule.Slice("^" + regexLiteral(m.key()) + "$", 0, 0,
                        m.modelShape().get(0), 1), 1, "keeps the first " + m.modelShape().get(0) + " of " + m.checkpointShape().get(0)
                        + " rows (e.g. classes) so the shape fits; drop it instead to re-initialise the head"));
                continue;
            }
            out.add(new Suggestion(new Rule.Drop("^" + regexLiteral(m.key()) + "$"), 0,
                    "shape " + m.checkpointShape() + " does not fit the model's " + m.modelShape()
                            + ": drop it and the model keeps its own initialisation (a new head)"));
        }
        // Whole parts of the checkpoint that the model has no place for (a detector's neck and heads).
        List<String> ckptKeys = afterPairs.stream().map(TensorSpec::key).toList();
        for (Grouping.Group g : Grouping.group(after.unexpected(), ckptKeys)) {
            if (g.isSingleKey()) continue;
            out.add(new Suggestion(new Rule.Drop("^" + regexLiteral(g.prefix())), 0,
                    g.keys().size() + " checkpoint keys under '" + g.prefix() + "' have no counterpart in the model"));
        }
        return new Report(out, pairing.unpaired());
    }

    private static boolean swapsOneWholeModule(Rule rule, List<TensorSpec> tensors) {
        if (!(rule instanceof Rule.ReplacePrefix p)) return false;
        String module = null;
        for (TensorSpec t : tensors) {
            if (!t.key().startsWith(p.from())) continue;
            int dot = t.key().lastIndexOf('.');
            String m = dot < 0 ? "" : t.key().substring(0, dot + 1);
            if (!m.equals(p.from()) || (module != null && !module.equals(m))) return false;
            module = m;
        }
        return module != null;
    }

    /** The checkpoint has more rows than the model wants and is otherwise the same shape: a head with more classes. */
    static boolean sliceable(Comparison.Mismatch m) {
        List<Long> want = m.modelShape();
        List<Long> have = m.checkpointShape();
        return !want.isEmpty() && want.size() == have.size() && want.get(0) < have.get(0)
                && want.subList(1, want.size()).equals(have.subList(1, have.size()));
    }

    /** A regular expression matching {@code text} literally, readable for the usual dotted keys. */
    static String regexLiteral(String text) {
        return text.matches("[A-Za-z0-9_.]+") ? text.replace(".", "\\.") : Pattern.quote(text);
    }

    private static List<TensorSpec> applyAll(List<TensorSpec> tensors, List<Suggestion> suggestions) {
        List<Rule> rules = suggestions.stream().map(Suggestion::rule).toList();
        try {
            return new RuleSet(rules).apply(tensors).tensors();
        } catch (RuleException e) {
            return tensors;
        }
    }

    /** Prefix rules aligned from unexpected -> missing keys by their longest common dotted suffix, plus known renames. */
    static Set<Rule> candidates(Comparison cmp) {
        Map<String, List<String>> prefixesBySuffix = new HashMap<>();
        for (String m : cmp.missing()) {
            for (int i : boundaries(m)) prefixesBySuffix.computeIfAbsent(m.substring(i), s -> new ArrayList<>()).add(m.substring(0, i));
        }
        Map<Rule, Integer> votes = new LinkedHashMap<>();
        for (String u : cmp.unexpected()) {
            for (int i : boundaries(u)) {
                List<String> tos = prefixesBySuffix.get(u.substring(i));
                if (tos == null) continue;
                for (String to : new LinkedHashSet<>(tos)) votes.merge(prefixRule(u.substring(0, i), to), 1, Integer::sum);
                break; // the longest suffix that aligns
            }
        }
        Set<Rule> out = new LinkedHashSet<>();
        votes.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(24).forEach(e -> out.add(e.getKey()));
        out.addAll(KNOWN_RENAMES);
        out.remove(null);
        return out;
    }

    private static Rule prefixRule(String from, String to) {
        if (from.equals(to)) return null;
        if (to.isEmpty()) return new Rule.StripPrefix(from);
        if (from.isEmpty()) return new Rule.AddPrefix(to);
        return new Rule.ReplacePrefix(from, to);
    }

    /** Indices where a dotted suffix starts: 0 and just after each dot, longest suffix first. */
    static List<Integer> boundaries(String key) {
        List<Integer> out = new ArrayList<>();
        out.add(0);
        for (int i = key.indexOf('.'); i >= 0; i = key.indexOf('.', i + 1)) out.add(i + 1);
        return out;
    }

    /**
     * What is left after the prefix rules: the missing keys (in the model's order) and the
     * unexpected and ignored ones (in the file's order) paired by shape and order, layer by layer
     * ({@link ModulePairing}).
     */
    static ModulePairing.Result pairByShape(List<TensorSpec> model, List<TensorSpec> checkpoint, Comparison cmp) {
        java.util.Set<String> missing = new java.util.HashSet<>(cmp.missing());
        // keys torch passes over without a word (vit-keras' class_token.cls, whose first name is
        // the model's class_token parameter) are as unused as unexpected ones
        java.util.Set<String> unexpected = new java.util.HashSet<>(cmp.unexpected());
        unexpected.addAll(cmp.ignoredByTorch());
        return ModulePairing.pair(model.stream().filter(t -> missing.contains(t.key())).toList(),
                checkpoint.stream().filter(t -> unexpected.contains(t.key())).toList());
    }

    private static String reasonFor(Rule r) {
        if (r instanceof Rule.StripPrefix s) {
            return switch (s.prefix()) {
                case "module." -> "nn.DataParallel / DistributedDataParallel wrap every key in 'module.'";
                case "_orig_mod." -> "torch.compile wraps every key in '_orig_mod.'";
                case "model." -> "a LightningModule (or wrapper) keeps the network in self.model";
                case "backbone." -> "detection frameworks (mmdet, detectron2) keep the classifier under 'backbone.'";
                default -> "every matching checkpoint key carries '" + s.prefix() + "'";
            };
        }
        if (r instanceof Rule.AddPrefix a) return "the model nests these keys under '" + a.prefix() + "'";
        if (r instanceof Rule.ReplacePrefix p) return "the checkpoint calls '" + p.to() + "' '" + p.from() + "'";
        if (r instanceof Rule.RegexRename) return "a naming convention of another framework";
        return "";
    }
}
