package io.weightbench.stats;

import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.pickle.PickleGlobals;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * "Are these weights sane?": findings over a checkpoint's weights entry — NaN/Inf, all-zero or
 * constant weights, BatchNorm running statistics missing or not positive, values that overflow
 * float16, mixed dtypes inside a module, and tensors that share one storage (tied weights).
 */
public final class HealthCheck {

    public enum Severity { ERROR, WARNING, INFO }

    /** One finding: how bad, which key (or module), which check, and a sentence. */
    public record Finding(Severity severity, String key, String check, String message) {}

    private HealthCheck() {}

    /** Statistics of a tensor: computed here, or already known to the caller. */
    @FunctionalInterface
    public interface StatsSource {
        TensorStats of(TensorEntry t) throws IOException;
    }

    /**
     * One finding per Python global a checkpoint's pickle names that torch 1.13's
     * {@code torch.load(weights_only=True)} would refuse: an error for calls known to run code
     * (saying what they do), a warning for unknown ones, a note for data types that run nothing.
     */
    public static List<Finding> pickleGlobals(java.util.Collection<String> globals) {
        List<Finding> out = new ArrayList<>();
        for (String g : globals) {
            PickleGlobals.Verdict v = PickleGlobals.classify(g);
            switch (v.kind()) {
                case DANGEROUS -> out.add(new Finding(Severity.ERROR, "", "pickle_global", g + " " + v.effect()
                        + " when torch.load(weights_only=False) reads the file (Weightbench never runs it)"));
                case UNKNOWN -> out.add(new Finding(Severity.WARNING, "", "pickle_global", g + " is not a known-safe reconstructor:"
                        + " torch.load(weights_only=False) would import and call it; weights_only=True refuses the file"));
                case DATA -> out.add(new Finding(Severity.INFO, "", "pickle_global", g + " is a data type that runs no code,"
                        + " but torch 1.13's torch.load(weights_only=True) refuses it"));
                case TORCH_SAFE -> { }
            }
        }
        return out;
    }

    public static List<Finding> check(List<TensorEntry> weights) throws IOException {
        return check(weights, t -> TensorStats.of(t.data()));
    }

    public static List<Finding> check(List<TensorEntry> weights, StatsSource stats) throws IOException {
        List<Finding> out = new ArrayList<>();
        Map<String, TensorEntry> byKey = new LinkedHashMap<>();
        for (TensorEntry t : weights) byKey.put(t.key(), t);
        for (TensorEntry t : weights) {
            TensorData d = t.data();
            if (!d.dtype().isFloatingPoint() && !d.dtype().isQuantized() && !d.dtype().isBlockQuantized()) continue;
            TensorStats s = stats.of(t);
            String k = t.key();
            if (s.nan() > 0) out.add(new Finding(Severity.ERROR, k, "nan", s.nan() + " of " + s.count() + " values are NaN"));
            if (s.inf() > 0) out.add(new Finding(Severity.ERROR, k, "inf", s.inf() + " of " + s.count() + " values are infinite"));
            boolean weight = k.endsWith("weight") || k.endsWith("kernel");
            if (weight && s.count() > 1 && s.zeros() == s.count()) {
                out.add(new Finding(Severity.WARNING, k, "all_zero", "every value is 0: looks uninitialised"));
            } else if (weight && s.count() > 1 && s.nan() == 0 && s.min() == s.max() && !k.contains("norm") && !isNormScale(k, byKey)) {
                out.add(new Finding(Severity.WARNING, k, "constant", "every value is " + s.min() + ": looks uninitialised"));
            }
            if ((d.dtype() == DType.FLOAT32 || d.dtype() == DType.FLOAT64) && s.outsideFloat16() > 0) {
                out.add(new Finding(Severity.WARNING, k, "float16_overflow", s.outsideFloat16() + " values exceed float16's range (65504): they become inf if cast to float16"));
            }
            if (k.endsWith("running_var") && s.count() > 0 && s.min() <= 0) {
                out.add(new Finding(Severity.ERROR, k, "running_var", "running variance has values <= 0 (min " + s.min() + "): normalisation will divide by ~0 or NaN"));
            }
        }
        // BatchNorm modules: running stats as a pair, num_batches_tracked
        Set<String> bnModules = new LinkedHashSet<>();
        for (String k : byKey.keySet()) {
            if (k.endsWith("running_mean") || k.endsWith("running_var")) bnModules.add(module(k));
        }
        for (String m : bnModules) {
            String p = m.isEmpty() ? "" : m + ".";
            boolean mean = byKey.containsKey(p + "running_mean");
            boolean var = byKey.containsKey(p + "running_var");
            if (mean != var) {
                out.add(new Finding(Severity.ERROR, m, "batchnorm_stats", "has " + (mean ? "running_mean" : "running_var") + " but not "
                        + (mean ? "running_var" : "running_mean")));
            }
            if (!byKey.containsKey(p + "num_batches_tracked")) {
                out.add(new Finding(Severity.INFO, m, "num_batches_tracked", "no num_batches_tracked (torch fills it in unless the state_dict says version 2)"));
            }
        }
        // dtype mix within a module (floating-point tensors)
        Map<String, Set<DType>> dtypes = new LinkedHashMap<>();
        for (TensorEntry t : weights) {
            if (t.data().dtype().isFloatingPoint()) dtypes.computeIfAbsent(module(t.key()), x -> new LinkedHashSet<>()).add(t.data().dtype());
        }
        for (Map.Entry<String, Set<DType>> e : dtypes.entrySet()) {
            if (e.getValue().size() > 1) out.add(new Finding(Severity.INFO, e.getKey(), "dtype_mix", "mixes " + e.getValue()));
        }
        // tensors over one storage with the same view: tied weights
        Map<Object, List<String>> views = new LinkedHashMap<>();
        Map<Object, Object> storages = new IdentityHashMap<>();
        for (TensorEntry t : weights) {
            TensorData d = t.data();
            Object storage = storages.computeIfAbsent(d.storage().bytes(), x -> new Object());
            List<Object> view = List.of(storage, d.storageOffset(), java.util.Arrays.toString(d.shape()), java.util.Arrays.toString(d.strides()));
            views.computeIfAbsent(view, x -> new ArrayList<>()).add(t.key());
        }
        for (List<String> keys : views.values()) {
            if (keys.size() > 1) {
                // a few names, then a count: a shared structure can tie a million keys to one storage
                List<String> others = keys.subList(1, Math.min(keys.size(), 11));
                String more = keys.size() > 11 ? " and " + (keys.size() - 11) + " more" : "";
                out.add(new Finding(Severity.INFO, keys.get(0), "tied", "shares its storage with " + String.join(", ", others) + more));
            }
        }
        return out;
    }

    /** LayerNorm / BatchNorm scales are legitimately constant (ones) at initialisation. */
    private static boolean isNormScale(String key, Map<String, TensorEntry> byKey) {
        String m = module(key);
        String p = m.isEmpty() ? "" : m + ".";
        return byKey.containsKey(p + "running_mean") || byKey.containsKey(p + "bias") && byKey.get(key).data().rank() == 1;
    }

    private static String module(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? "" : key.substring(0, dot);
    }
}
