package io.weightbench.compare;

import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Rule;
import io.weightbench.rules.TensorRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The rule a person means when they drop a checkpoint node onto a model node (keys as they are
 * after the current rules; a node is a whole key or a module prefix without its trailing dot):
 * <ul>
 *   <li>key onto key: a rename; when the two keys differ only in a leading part
 *   ({@code module.layer1.0.conv1.weight} onto {@code layer1.0.conv1.weight}) also the prefix rule
 *   that does the same to every key with that leading part, and how many keys that is;</li>
 *   <li>module onto module: a prefix replacement for everything under it;</li>
 *   <li>a key onto a key of another shape: the reason, and a transform that fits where one does
 *   (a transposed matrix, a head sliced to the model's size).</li>
 * </ul>
 */
public final class DropRule {

    /**
     * @param rule      the rule for exactly what was dropped (empty when nothing fits)
     * @param affected  checkpoint keys it renames
     * @param broader   the prefix rule generalising a key-onto-key rename, if the keys differ only by a prefix
     * @param broaderAffected checkpoint keys the broader rule renames
     * @param transforms tensor rules that make the shapes fit, to add after the rename
     * @param problem   why the drop does not fit as it is (shapes differ, mixed node kinds), or empty
     */
    public record Proposal(Optional<Rule> rule, int affected, Optional<Rule> broader, int broaderAffected,
                           List<TensorRule> transforms, String problem) {}

    private DropRule() {}

    public static Proposal propose(String from, boolean fromIsKey, String to, boolean toIsKey,
                                   List<TensorSpec> checkpoint, List<TensorSpec> model) {
        if (fromIsKey != toIsKey) {
            return none("drop a key onto a key, or a module onto a module ('" + from + "' is a " + (fromIsKey ? "key" : "module")
                    + ", '" + to + "' a " + (toIsKey ? "key" : "module") + ")");
        }
        if (from.equals(to)) return none("'" + from + "' already has that name");
        if (!fromIsKey) {
            Rule r = prefixRule(from.isEmpty() ? "" : from + ".", to.isEmpty() ? "" : to + ".");
            return new Proposal(Optional.of(r), countUnder(checkpoint, from.isEmpty() ? "" : from + "."), Optional.empty(), 0, List.of(), "");
        }
        Map<String, TensorSpec> ck = checkpoint.stream().collect(Collectors.toMap(TensorSpec::key, Function.identity(), (a, b) -> a));
        Map<String, TensorSpec> mdl = model.stream().collect(Collectors.toMap(TensorSpec::key, Function.identity(), (a, b) -> a));
        Rule rename = new Rule.Rename(from, to);
        Optional<Rule> broader = Optional.empty();
        int broaderCount = 0;
        String[] a = from.split("\\.", -1);
        String[] b = to.split("\\.", -1);
        int common = 0;
        while (common < Math.min(a.length, b.length) && a[a.length - 1 - common].equals(b[b.length - 1 - common])) common++;
        if (common > 0) {
            String pa = join(a, a.length - common);
            String pb = join(b, b.length - common);
            int n = countUnder(checkpoint, pa);
            if (n > 1) {
                broader = Optional.of(prefixRule(pa, pb));
                broaderCount = n;
            }
        }
        TensorSpec c = ck.get(from);
        TensorSpec m = mdl.get(to);
        List<TensorRule> transforms = new ArrayList<>();
        String problem = "";
        if (c != null && m != null && !c.shape().equals(m.shape())) {
            problem = "'" + from + "' is " + c.shape() + " but the model expects " + m.shape() + " for '" + to + "'";
            transforms.addAll(fittingTransforms("^" + Pattern.quote(to) + "$", c.shape(), m.shape()));
        }
        return new Proposal(Optional.of(rename), 1, broader, broaderCount, transforms, problem);
    }

    /** Tensor rules that turn a tensor of shape {@code have} into {@code want}: a 2-D transpose, or a slice along one dimension. */
    static List<TensorRule> fittingTransforms(String match, List<Long> have, List<Long> want) {
        List<TensorRule> out = new ArrayList<>();
        if (have.size() != want.size()) return out;
        if (have.size() == 2 && have.get(0).equals(want.get(1)) && have.get(1).equals(want.get(0))) {
            out.add(new TensorRule.Transpose(match, 0, 1));
        }
        int differing = -1;
        for (int d = 0; d < have.size(); d++) {
            if (!have.get(d).equals(want.get(d))) {
                if (differing >= 0) return out;
                differing = d;
            }
        }
        if (differing >= 0 && have.get(differing) > want.get(differing)) {
            out.add(new TensorRule.Slice(match, differing, 0, want.get(differing), 1));
        }
        return out;
    }

    private static Rule prefixRule(String from, String to) {
        if (to.isEmpty()) return new Rule.StripPrefix(from);
        if (from.isEmpty()) return new Rule.AddPrefix(to);
        return new Rule.ReplacePrefix(from, to);
    }

    private static String join(String[] parts, int n) {
        return n == 0 ? "" : String.join(".", Arrays.copyOf(parts, n)) + ".";
    }

    private static int countUnder(List<TensorSpec> keys, String prefix) {
        int n = 0;
        for (TensorSpec t : keys) if (t.key().startsWith(prefix)) n++;
        return n;
    }

    private static Proposal none(String why) {
        return new Proposal(Optional.empty(), 0, Optional.empty(), 0, List.of(), why);
    }
}
