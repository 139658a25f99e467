package io.weightbench.stats;

import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.RuleException;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs two checkpoints' weights by key (after optional rules on B) and measures each pair; keys
 * only on one side are listed; modules are aggregated in A's order ("layer by layer").
 */
public final class CheckpointDiff {

    /** One pair: its metrics, or why there are none (shape differs). */
    public record Pair(String key, List<Long> shapeA, List<Long> shapeB, String dtypeA, String dtypeB, TensorDiff diff) {
        public boolean shapesDiffer() { return !shapeA.equals(shapeB); }
    }

    /**
     * A module's change over its tensors: relative, sqrt(sum ||a-b||^2) / sqrt(sum ||a||^2), and the
     * root mean square of the differences over all their (finite) values.
     */
    public record Module(String prefix, int tensors, double relL2, double rms) {}

    public record Result(List<Pair> pairs, List<String> onlyInA, List<String> onlyInB, List<Module> modules) {}

    private CheckpointDiff() {}

    public static Result diff(List<TensorEntry> a, List<TensorEntry> b, RuleSet rulesOnB) throws IOException {
        return diff(a, b, rulesOnB, 0, Progress.none());
    }

    /**
     * @param bins     bins of each pair's difference histogram; 0 for none
     * @param progress bytes of both sides read; pairs are measured on all cores
     */
    public static Result diff(List<TensorEntry> a, List<TensorEntry> b, RuleSet rulesOnB, int bins, Progress progress) throws IOException {
        List<TensorSpec> specsB = new ArrayList<>();
        Map<String, TensorEntry> byKeyB = new LinkedHashMap<>();
        for (TensorEntry t : b) {
            specsB.add(TensorSpec.of(t.key(), t.data().shape(), t.data().dtype()));
            byKeyB.put(t.key(), t);
        }
        RuleSet.Applied applied;
        try {
            applied = rulesOnB.apply(specsB);
        } catch (RuleException e) {
            throw new RuleException("rules on B: " + e.getMessage());
        }
        if (applied.changesData()) throw new RuleException("diff applies key rules only; tensor rules belong in apply");
        Map<String, TensorEntry> bAfter = new LinkedHashMap<>();
        for (TensorSpec s : applied.tensors()) bAfter.put(s.key(), byKeyB.get(applied.renamedFrom().get(s.key())));
        List<String> onlyA = new ArrayList<>();
        List<TensorEntry[]> matched = new ArrayList<>();
        for (TensorEntry x : a) {
            TensorEntry y = bAfter.remove(x.key());
            if (y == null) {
                onlyA.add(x.key());
            } else {
                matched.add(new TensorEntry[] {x, y});
                progress.addTotal((x.data().nbytes() + y.data().nbytes()) * (bins > 0 ? 2 : 1));
            }
        }
        List<Pair> pairs;
        try {
            pairs = matched.parallelStream().map(m -> {
                TensorEntry x = m[0];
                TensorEntry y = m[1];
                List<Long> sa = TensorSpec.of(x.key(), x.data().shape(), x.data().dtype()).shape();
                List<Long> sb = TensorSpec.of(y.key(), y.data().shape(), y.data().dtype()).shape();
                TensorDiff d;
                try {
                    d = sa.equals(sb) ? TensorDiff.of(x.data(), y.data(), bins, progress) : null;
                } catch (IOException e) {
                    throw new UncheckedIOException(new IOException("cannot read " + x.key() + ": " + e.getMessage(), e));
                }
                if (d == null) progress.worked((x.data().nbytes() + y.data().nbytes()) * (bins > 0 ? 2 : 1));
                return new Pair(x.key(), sa, sb, x.data().dtype().torchName(), y.data().dtype().torchName(), d);
            }).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Map<String, double[]> modules = new LinkedHashMap<>();
        Map<String, Integer> moduleCounts = new LinkedHashMap<>();
        for (Pair p : pairs) {
            TensorDiff d = p.diff();
            if (d != null) {
                String module = p.key().contains(".") ? p.key().substring(0, p.key().lastIndexOf('.')) : "";
                double[] acc = modules.computeIfAbsent(module, k -> new double[3]);
                acc[0] += d.normDiff() * d.normDiff();
                acc[1] += d.normA() * d.normA();
                acc[2] += d.count() - d.nonFinite();
                moduleCounts.merge(module, 1, Integer::sum);
            }
        }
        List<Module> mods = new ArrayList<>();
        for (Map.Entry<String, double[]> e : modules.entrySet()) {
            double[] v = e.getValue();
            mods.add(new Module(e.getKey(), moduleCounts.get(e.getKey()), v[1] == 0 ? (v[0] == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(v[0] / v[1]),
                    v[2] == 0 ? Double.NaN : Math.sqrt(v[0] / v[2])));
        }
        return new Result(pairs, onlyA, new ArrayList<>(bAfter.keySet()), mods);
    }
}
