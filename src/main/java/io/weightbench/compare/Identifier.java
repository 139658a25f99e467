package io.weightbench.compare;

import io.weightbench.model.Catalog;
import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.RuleException;
import io.weightbench.rules.RuleSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * "Which model is this?": ranks the catalog's architectures by how well a checkpoint fits each
 * once the suggested rules are applied (matched keys over the model's keys, then fewest leftovers).
 */
public final class Identifier {

    /** How well one architecture fits: matched keys (after suggestions) of its total. */
    public record Candidate(String model, int matched, int modelKeys, int missing, int unexpected, int mismatched, int rules) {
        public double fit() { return modelKeys == 0 ? 0 : (double) matched / modelKeys; }
    }

    private Identifier() {}

    public static List<Candidate> rank(List<TensorSpec> checkpoint) throws IOException {
        List<Candidate> out = new ArrayList<>();
        for (Catalog.Entry e : Catalog.entries()) {
            List<TensorSpec> model = Catalog.model(e.name()).tensors();
            List<Suggester.Suggestion> s = Suggester.suggest(model, checkpoint);
            List<TensorSpec> fixed;
            try {
                fixed = new RuleSet(s.stream().map(Suggester.Suggestion::rule).toList()).apply(checkpoint).tensors();
            } catch (RuleException conflict) {
                fixed = checkpoint;
            }
            Comparison c = io.weightbench.compare.Comparator.compare(model, fixed, Optional.empty());
            out.add(new Candidate(ModelSpec.CATALOG_PREFIX + e.name(), c.matched(), model.size(), c.missing().size(),
                    c.unexpected().size(), c.mismatched().size(), s.size()));
        }
        out.sort(Comparator.comparingDouble(Candidate::fit).reversed()
                .thenComparingInt(c -> c.missing() + c.unexpected() + c.mismatched()));
        return out;
    }
}
