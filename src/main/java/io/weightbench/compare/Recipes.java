package io.weightbench.compare;

import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Presets;
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
    public record Choice(String preset, RuleSet rules, int matchedBefore, int matchedAfter, int modelKeys, boolean loadsStrictly,
                         Optional<Identifier.Candidate> identified) {

        public String evidence() {
            return "recipe " + preset + ": " + matchedAfter + " of " + modelKeys + " model keys match after it (" + matchedBefore
                    + " without)" + (loadsStrictly ? ", then loads with strict=True" : "")
                    + identified.map(c -> String.format(java.util.Locale.ROOT, "; identify names the checkpoint %s (%.1f%%)",
                            c.model(), 100 * c.score())).orElse("");
        }
    }

    private Recipes() {}

    public static Optional<Choice> choose(List<TensorSpec> model, List<TensorSpec> checkpoint) throws RuleException {
        int before = Comparator.compare(model, checkpoint, Optional.empty()).matched();
        Choice best = null;
        for (String name : Presets.recipes()) {
            RuleSet rules = Presets.load(name);
            List<TensorSpec> after;
            try {
                after = rules.apply(checkpoint).tensors();
            } catch (RuleException doesNotFit) {
                continue; // a recipe whose ops do not fit these tensors is not this checkpoint's
            }
            Comparison c = Comparator.compare(model, after, Optional.empty());
            if (c.matched() > (best == null ? before : best.matchedAfter()) && 2L * c.matched() >= model.size()) {
                best = new Choice(name, rules, before, c.matched(), model.size(), c.loadsStrictly(), Optional.empty());
            }
        }
        if (best == null) return Optional.empty();
        Optional<Identifier.Candidate> identified;
        try {
            identified = Identifier.rank(checkpoint).stream().findFirst().filter(c -> c.score() > 0);
        } catch (java.io.IOException | RuntimeException catalogUnavailable) {
            identified = Optional.empty(); // the choice stands on the keys alone
        }
        return Optional.of(new Choice(best.preset(), best.rules(), best.matchedBefore(), best.matchedAfter(), best.modelKeys(),
                best.loadsStrictly(), identified));
    }
}
