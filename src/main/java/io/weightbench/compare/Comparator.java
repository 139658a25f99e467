package io.weightbench.compare;

import io.weightbench.model.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Compares what a model expects with what a checkpoint holds, the way torch's loader does. */
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
        List<Comparison.Mismatch> mismatched = new ArrayList<>();
        List<Comparison.DtypeChange> dtypes = new ArrayList<>();
        for (TensorSpec m : model) {
            TensorSpec c = ckpt.get(m.key());
            if (c == null) {
                if (torchFillsIn(m.key(), moduleVersions)) filled.add(m.key());
                else missing.add(m.key());
            } else if (!c.shape().equals(m.shape())) {
                mismatched.add(new Comparison.Mismatch(m.key(), m.shape(), c.shape()));
            } else {
                matched++;
                if (c.dtype() != m.dtype()) dtypes.add(new Comparison.DtypeChange(m.key(), m.dtype(), c.dtype()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (TensorSpec c : checkpoint) if (!expected.containsKey(c.key())) unexpected.add(c.key());
        return new Comparison(matched, missing, unexpected, mismatched, dtypes, filled);
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
}
