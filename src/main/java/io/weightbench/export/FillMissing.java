package io.weightbench.export;

import io.weightbench.model.TensorSpec;
import io.weightbench.rules.Fill;
import io.weightbench.rules.MultiKeyRule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * timm's "load with strict=False and initialise what is new", made explicit: for every key the
 * model has and the checkpoint (after the rules) lacks, an {@code add_tensor} rule — the template
 * file's tensor, or the value torch's own initialisation gives that module. The catalog stores
 * keys, shapes, dtypes and whether a tensor is a buffer, not module kinds, so the kind is
 * inferred from the key's last name, its rank and its module's other keys:
 * <ul>
 *   <li>{@code running_mean} 0, {@code running_var} 1, {@code num_batches_tracked} 0 (BatchNorm);</li>
 *   <li>a {@code weight} of rank 1 (a norm's scale: BatchNorm, LayerNorm, GroupNorm) 1, and the
 *       {@code bias} of such a module 0;</li>
 *   <li>a {@code weight} of rank 2 to 5 (Linear, Conv): {@code kaiming_uniform_(a=sqrt(5))}, which is
 *       uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = shape[1] * the kernel's size, and its
 *       module's {@code bias} the same bound (torch's {@code reset_parameters}); a rank-2 weight of a
 *       module whose name says "embed" normal(0, 1) ({@code nn.Embedding});</li>
 *   <li>{@code in_proj_weight} (nn.MultiheadAttention) xavier_uniform, {@code in_proj_bias} and its
 *       {@code out_proj.bias} 0.</li>
 * </ul>
 * Anything else (a class token, a position embedding, a layer scale...) is not filled, with the
 * reason: its initialisation is the model's own code.
 */
public final class FillMissing {

    public enum Mode { TEMPLATE, INIT }

    /** A key that could not be filled, and why. */
    public record Unfilled(String key, String reason) {}

    /** The rules that add the missing keys, and the keys left. */
    public record Plan(List<MultiKeyRule.AddTensor> rules, List<Unfilled> unfilled) {}

    private FillMissing() {}

    /**
     * @param template the model's template file (for {@link Mode#TEMPLATE}): its tensors are the model's keys
     */
    public static Plan plan(List<TensorSpec> model, List<TensorSpec> checkpoint, Mode mode, long seed, Optional<Path> template) {
        Set<String> have = new HashSet<>();
        for (TensorSpec t : checkpoint) have.add(t.key());
        Map<String, TensorSpec> byKey = new HashMap<>();
        for (TensorSpec t : model) byKey.put(t.key(), t);
        List<MultiKeyRule.AddTensor> rules = new ArrayList<>();
        List<Unfilled> unfilled = new ArrayList<>();
        for (TensorSpec t : model) {
            if (have.contains(t.key())) continue;
            if (mode == Mode.TEMPLATE) {
                String file = template.orElseThrow(() -> new IllegalArgumentException("--fill-missing template needs the model as a file")).toAbsolutePath().toString();
                rules.add(new MultiKeyRule.AddTensor(t.key(), t.shape(), t.dtype(), Optional.empty(), Optional.of(file), "the template's value"));
                continue;
            }
            Init init = init(t, byKey);
            if (init == null) {
                unfilled.add(new Unfilled(t.key(), "no default initialisation known for it (not a Linear/Conv, norm, BatchNorm or attention key by its"
                        + " name and rank): the model's own code initialises it; use --fill-missing template or a rules file"));
            } else {
                Fill fill = init.fill(seed);
                rules.add(new MultiKeyRule.AddTensor(t.key(), t.shape(), t.dtype(), Optional.of(fill), Optional.empty(), init.why()));
            }
        }
        return new Plan(rules, unfilled);
    }

    /** How torch initialises one key; {@code kind} says what it was taken for. */
    private record Init(String kind, double a, double b, boolean uniform, boolean normal) {
        Fill fill(long seed) {
            if (uniform) return new Fill.Uniform(a, b, seed);
            if (normal) return new Fill.Normal(a, b, seed);
            return new Fill.Constant(a);
        }

        String why() { return kind + "; kind inferred from the key's name and rank"; }

        static Init constant(String kind, double v) { return new Init(kind, v, v, false, false); }
    }

    private static Init init(TensorSpec t, Map<String, TensorSpec> model) {
        String key = t.key();
        int dot = key.lastIndexOf('.');
        String module = dot < 0 ? "" : key.substring(0, dot);
        String name = key.substring(dot + 1);
        String prefix = module.isEmpty() ? "" : module + ".";
        int rank = t.shape().size();
        boolean batchNorm = model.containsKey(prefix + "running_mean") || model.containsKey(prefix + "running_var");
        TensorSpec weight = model.get(prefix + "weight");
        switch (name) {
            case "running_mean":
                return Init.constant("BatchNorm running_mean: 0", 0);
            case "running_var":
                return Init.constant("BatchNorm running_var: 1", 1);
            case "num_batches_tracked":
                return Init.constant("BatchNorm num_batches_tracked: 0", 0);
            case "in_proj_weight": {
                if (rank != 2) return null;
                double bound = Math.sqrt(6.0 / (t.shape().get(0) + t.shape().get(1)));
                return new Init("nn.MultiheadAttention in_proj_weight: xavier_uniform, bound sqrt(6/(fan_in+fan_out))", -bound, bound, true, false);
            }
            case "in_proj_bias":
                return Init.constant("nn.MultiheadAttention in_proj_bias: 0", 0);
            case "weight":
                if (t.dtype().isFloatingPoint() && rank == 1) return Init.constant((batchNorm ? "BatchNorm" : "norm (LayerNorm, GroupNorm)") + " weight: 1", 1);
                if (t.dtype().isFloatingPoint() && rank == 2 && module.toLowerCase(java.util.Locale.ROOT).contains("embed")) {
                    return new Init("nn.Embedding weight: normal(0, 1)", 0, 1, false, true);
                }
                if (t.dtype().isFloatingPoint() && rank >= 2 && rank <= 5) {
                    double bound = bound(t);
                    return new Init((rank == 2 ? "Linear" : "Conv") + " weight: kaiming_uniform(a=sqrt(5)), fan_in " + fanIn(t), -bound, bound, true, false);
                }
                return null;
            case "bias":
                if (!t.dtype().isFloatingPoint() || rank != 1) return null;
                if (module.endsWith("out_proj") && model.containsKey(module.substring(0, module.length() - "out_proj".length()) + "in_proj_weight")) {
                    return Init.constant("nn.MultiheadAttention out_proj.bias: 0", 0);
                }
                if (weight == null) return null;
                if (weight.shape().size() == 1) return Init.constant((batchNorm ? "BatchNorm" : "norm (LayerNorm, GroupNorm)") + " bias: 0", 0);
                if (weight.shape().size() >= 2 && weight.shape().size() <= 5) {
                    double bound = bound(weight);
                    return new Init((weight.shape().size() == 2 ? "Linear" : "Conv") + " bias: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in " + fanIn(weight),
                            -bound, bound, true, false);
                }
                return null;
            default:
                return null;
        }
    }

    /** torch's {@code _calculate_fan_in_and_fan_out}: size(1) times the product of the dimensions after it. */
    static long fanIn(TensorSpec w) {
        long f = w.shape().get(1);
        for (int i = 2; i < w.shape().size(); i++) f *= w.shape().get(i);
        return f;
    }

    /** kaiming_uniform(a=sqrt(5))'s bound, gain sqrt(2/(1+5)) * sqrt(3/fan_in) = 1/sqrt(fan_in); the bias's too. */
    private static double bound(TensorSpec w) {
        long f = fanIn(w);
        return f > 0 ? 1.0 / Math.sqrt(f) : 0;
    }
}
