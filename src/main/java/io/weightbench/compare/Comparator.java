package io.weightbench.compare;

import io.weightbench.model.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compares what a model expects with what a checkpoint holds, the way torch's loader does
 * ({@code Module._load_from_state_dict}, run for every module of the model): keys the model lacks
 * are reported only where torch reports them, a 0-d parameter takes a 1-d tensor, and BatchNorm's
 * {@code num_batches_tracked} is filled in for state_dicts without version-2 metadata.
 */
public final class Comparator {

    static final String NUM_BATCHES_TRACKED = ".num_batches_tracked";

    private Comparator() {}

    /**
     * @param moduleVersions the checkpoint's {@code _metadata} versions by module prefix, if it has
     *                       them; empty when it has none (torch then treats every module as version 1)
     */
    public static Comparison compare(List<TensorSpec> model, List<TensorSpec> checkpoint, Optional<Map<String, Long>> moduleVersions) {
        Map<String, TensorSpec> ckpt = new LinkedHashMap<>();
        for (TensorSpec t : checkpoint) ckpt.put(t.key(), t);
        Map<String, TensorSpec> expected = new LinkedHashMap<>();
        for (TensorSpec t : model) expected.put(t.key(), t);
        int matched = 0;
        List<String> missing = new ArrayList<>();
        List<String> filled = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Comparison.Mismatch> mismatched = new ArrayList<>();
        List<Comparison.DtypeChange> dtypes = new ArrayList<>();
        for (TensorSpec m : model) {
            TensorSpec c = ckpt.get(m.key());
            if (c == null) {
                if (torchFillsIn(m.key(), moduleVersions)) filled.add(m.key());
                else missing.add(m.key());
            } else if (!c.shape().equals(m.shape()) && !zeroDimTakes(m.shape(), c.shape())) {
                mismatched.add(new Comparison.Mismatch(m.key(), m.shape(), c.shape()));
            } else {
                matched++;
                if (!c.shape().equals(m.shape())) {
                    long n = c.shape().get(0);
                    notes.add(m.key() + ": torch loads " + (n == 1 ? "the one value" : "the first of " + n + " values")
                            + " of the checkpoint's " + c.shape() + " into the 0-d parameter");
                }
                if (c.dtype() != m.dtype()) dtypes.add(new Comparison.DtypeChange(m.key(), m.dtype(), c.dtype()));
            }
        }
        Modules modules = new Modules(model);
        List<String> unexpected = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (TensorSpec c : checkpoint) {
            if (expected.containsKey(c.key())) continue;
            if (modules.ignoredByTorch(c.key())) ignored.add(c.key());
            else unexpected.add(c.key());
        }
        return new Comparison(matched, missing, unexpected, mismatched, dtypes, filled, ignored, notes);
    }

    /**
     * torch loads a 1-d tensor into a 0-d parameter by taking its first element
     * ({@code input_param = input_param[0]} in {@code _load_from_state_dict}); an empty one fails.
     */
    static boolean zeroDimTakes(List<Long> modelShape, List<Long> checkpointShape) {
        return modelShape.isEmpty() && checkpointShape.size() == 1 && checkpointShape.get(0) > 0;
    }

    /**
     * torch's BatchNorm adds a missing {@code num_batches_tracked} itself when the state_dict's
     * metadata for that module is absent or older than version 2 ({@code _BatchNorm._load_from_state_dict}).
     */
    static boolean torchFillsIn(String key, Optional<Map<String, Long>> versions) {
        if (!key.endsWith(NUM_BATCHES_TRACKED) && !key.equals("num_batches_tracked")) return false;
        String module = key.equals("num_batches_tracked") ? "" : key.substring(0, key.length() - NUM_BATCHES_TRACKED.length());
        if (versions.isEmpty()) return true;
        Long v = versions.get().get(module);
        return v == null || v < 2;
    }

    /**
     * The model's modules as its keys show them: each module's own parameters and buffers and its
     * children. (Children without parameters or buffers leave no key; a checkpoint key equal to such
     * a child's name is the one case torch ignores that this cannot see.)
     */
    static final class Modules {
        private final Map<String, Set<String>> locals = new HashMap<>();
        private final Map<String, Set<String>> children = new HashMap<>();

        Modules(List<TensorSpec> model) {
            for (TensorSpec t : model) {
                String key = t.key();
                String module = "";
                int from = 0;
                int dot;
                while ((dot = key.indexOf('.', from)) >= 0) {
                    String child = key.substring(from, dot);
                    children.computeIfAbsent(module, k -> new HashSet<>()).add(child);
                    module = key.substring(0, dot);
                    from = dot + 1;
                }
                locals.computeIfAbsent(module, k -> new HashSet<>()).add(key.substring(from));
            }
        }

        /**
         * Whether torch's loader passes over a checkpoint key without reporting it: walking down the
         * modules its prefixes name, torch reports a key only where its next name is neither a child
         * module nor one of that module's own parameters or buffers. A key whose next name is a
         * parameter ({@code linear1.weight.extra}) or that ends at a child's name ({@code bn}) is
         * silently ignored.
         */
        boolean ignoredByTorch(String key) {
            String module = "";
            int from = 0;
            while (true) {
                int dot = key.indexOf('.', from);
                String name = dot < 0 ? key.substring(from) : key.substring(from, dot);
                if (locals.getOrDefault(module, Set.of()).contains(name)) return true;
                if (!children.getOrDefault(module, Set.of()).contains(name)) return false;
                if (dot < 0) return true;
                module = module.isEmpty() ? name : module + "." + name;
                from = dot + 1;
            }
        }
    }
}
