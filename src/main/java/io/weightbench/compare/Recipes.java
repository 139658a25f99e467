package io.weightbench.compare;

import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Presets;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleException;
import io.weightbench.rules.RuleSet;
import java.util.List;
import java.util.Optional;

/**
 * The recipe between model families ({@link Presets#recipes()}) that makes a checkpoint fit a model:
 * each is applied to the checkpoint's keys and shapes and compared with the model's, and the one that
 * matches the most keys is chosen, only when it matches more than the checkpoint as it is and at
 * least half of the model's keys (a recipe's rename of {@code fc.} that happens to match one head
 * bias is no evidence). So a torchvision ConvNeXt against timm's is recognised by its key
 * signature, and a torchvision ResNet against timm's (the same keys) needs none.
 */
public final class Recipes {

    /**
     * The chosen recipe, with its evidence: the model keys matched without it and after it, whether
     * the checkpoint then loads with strict=True, and the catalog architecture {@link Identifier}
     * names first for the checkpoint with its score (absent when identify finds nothing).
     */
    /**
     * @param wrapper the prefix stripped before the recipe ({@code module.} of a DataParallel
     *     checkpoint), empty when none; {@link #rules} strip it first
     */
    public record Choice(String preset, RuleSet rules, String wrapper, int matchedBefore, int matchedAfter, int modelKeys,
                         boolean loadsStrictly, Optional<Identifier.Candidate> identified) {

        public String evidence() {
            return "recipe " + preset + (wrapper.isEmpty() ? "" : " after stripping '" + wrapper + "'") + ": " + matchedAfter + " of "
                    + modelKeys + " model keys match after it (" + matchedBefore + " without)" + (loadsStrictly ? ", then loads with strict=True" : "")
                    + identified.map(c -> String.format(java.util.Locale.ROOT, "; identify names the checkpoint %s (%.1f%%)",
                            c.model(), 100 * c.score())).orElse("");
        }
    }

    private Recipes() {}

    /**
     * The recipe that makes the most of the model's keys match, if one makes at least half of them
     * match and more than without it. A recipe's patterns are anchored at the state_dict's own
     * names, so a checkpoint whose keys all sit under a wrapper the model lacks ({@link #wrapper})
     * is also tried with the wrapper stripped first.
     */
    public static Optional<Choice> choose(List<TensorSpec> model, List<TensorSpec> checkpoint) throws RuleException {
        int before = Comparator.compare(model, checkpoint, Optional.empty()).matched();
        Optional<String> wrapper = wrapper(model, checkpoint);
        RuleSet strip = new RuleSet(wrapper.map(w -> List.<Rule>of(new Rule.StripPrefix(w))).orElse(List.of()));
        // with the wrapper stripped, a recipe must do better than stripping it alone (which suggest's own rules find)
        int stripped = wrapper.isEmpty() ? before : Comparator.compare(model, strip.apply(checkpoint).tensors(), Optional.empty()).matched();
        Choice best = null;
        for (String name : Presets.recipes()) {
            RuleSet recipe = Presets.load(name);
            List<RuleSet> tries = new java.util.ArrayList<>(List.of(recipe));
            if (wrapper.isPresent()) tries.add(recipe.after(strip));
            for (RuleSet rules : tries) {
                int without = rules == recipe ? before : stripped;
                List<TensorSpec> after;
                try {
                    after = rules.apply(checkpoint).tensors();
                } catch (RuleException doesNotFit) {
                    continue; // a recipe whose ops do not fit these tensors is not this checkpoint's
                }
                Comparison c = Comparator.compare(model, after, Optional.empty());
                if (c.matched() > Math.max(without, best == null ? 0 : best.matchedAfter()) && 2L * c.matched() >= model.size()) {
                    best = new Choice(name, rules, rules == recipe ? "" : wrapper.get(), without, c.matched(), model.size(), c.loadsStrictly(),
                            Optional.empty());
                }
            }
        }
        if (best == null) return Optional.empty();
        Optional<Identifier.Candidate> identified;
        try {
            identified = Identifier.rank(checkpoint).stream().findFirst().filter(c -> c.score() > 0);
        } catch (java.io.IOException | RuntimeException catalogUnavailable) {
            identified = Optional.empty(); // the choice stands on the keys alone
        }
        return Optional.of(new Choice(best.preset(), best.rules(), best.wrapper(), best.matchedBefore(), best.matchedAfter(), best.modelKeys(),
                best.loadsStrictly(), identified));
    }

    /**
     * The first name every checkpoint key shares and no model key has ({@code module.} of
     * DataParallel, {@code _orig_mod.} of torch.compile, {@code model.} of a Lightning module):
     * a wrapper around the state_dict that a recipe's patterns do not expect.
     */
    static Optional<String> wrapper(List<TensorSpec> model, List<TensorSpec> checkpoint) {
        if (checkpoint.isEmpty()) return Optional.empty();
        String first = checkpoint.get(0).key();
        int dot = first.indexOf('.');
        if (dot <= 0) return Optional.empty();
        String prefix = first.substring(0, dot + 1);
        for (TensorSpec t : checkpoint) {
            if (!t.key().startsWith(prefix) || t.key().length() == prefix.length()) return Optional.empty();
        }
        for (TensorSpec t : model) {
            if (t.key().startsWith(prefix)) return Optional.empty();
        }
        return Optional.of(prefix);
    }
}
