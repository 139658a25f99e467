package io.weightbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.rules.RuleSet;
import io.weightbench.stats.CheckpointDiff;
import io.weightbench.stats.Histogram;
import io.weightbench.stats.TensorDiff;
import io.weightbench.tensor.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code diff A B}: what changed between two checkpoints, tensor by tensor and module by module. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compare two checkpoints' weights, key by key.",
                "Per tensor: max_abs, mean_abs, rms, rel_l2 = ||a-b||/||a|| and cosine similarity; keys only in A or only in B;"
                        + " the relative change per module. --rules apply to B's keys first."})
public final class DiffCommand extends CheckpointCommand {

    @Parameters(index = "0", paramLabel = "A", description = "The first checkpoint (the reference: rel_l2 is relative to it).")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The second checkpoint, compared with A key by key.")
    Path b;

    @Option(names = "--rules", paramLabel = "RULES.json", description = "Key rules applied to B's keys first.")
    Path rules;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Option(names = "--bins", paramLabel = "N", description = "With --json: a histogram of each pair's differences b - a in N"
            + " equal bins over [-max_abs, max_abs]; 0 for none (default: ${DEFAULT-VALUE}).")
    int bins = Histogram.DEFAULT_BINS;

    @Option(names = "--progress", description = "Print progress to stderr twice a second.")
    boolean progress;

    @Override
    public Integer call() throws IOException {
        RuleSet ruleSet = rules == null ? RuleSet.empty() : RuleSet.read(rules);
        CheckpointDiff.Result r;
        try (Checkpoint ca = checkpointOptions.open(a); Checkpoint cb = checkpointOptions.open(b)) {
            if (bins < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--bins must be 0 or more, not " + bins);
            Progress p = new Progress(0);
            try (ProgressPrinter ignored = new ProgressPrinter(p, spec.commandLine().getErr(), "diff", progress)) {
                r = CheckpointDiff.diff(ca.weights(), cb.weights(), ruleSet, json ? bins : 0, p);
            }
        }
        PrintWriter out = out();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            ArrayNode ts = o.putArray("tensors");
            for (CheckpointDiff.Pair p : r.pairs()) {
                ObjectNode t = ts.addObject().put("key", p.key());
                if (p.diff() != null) {
                    TensorDiff d = p.diff();
                    num(t, "max_abs", d.maxAbs());
                    num(t, "mean_abs", d.meanAbs());
                    num(t, "rms", d.rms());
                    num(t, "rel_l2", d.relL2());
                    num(t, "cosine", d.cosine());
                    t.put("non_finite", d.nonFinite());
                    if (d.histogram() != null) t.set("histogram", histogram(m, d.histogram()));
                }
                t.put("shape_differs", p.shapesDiffer()).put("dtype_differs", !p.dtypeA().equals(p.dtypeB()));
                if (p.shapesDiffer()) {
                    p.shapeA().forEach(t.putArray("shape_a")::add);
                    p.shapeB().forEach(t.putArray("shape_b")::add);
                }
                if (!p.dtypeA().equals(p.dtypeB())) t.put("dtype_a", p.dtypeA()).put("dtype_b", p.dtypeB());
            }
            r.onlyInA().forEach(o.putArray("only_in_a")::add);
            r.onlyInB().forEach(o.putArray("only_in_b")::add);
            ArrayNode mods = o.putArray("modules");
            for (CheckpointDiff.Module mod : r.modules()) {
                ObjectNode x = mods.addObject().put("module", mod.prefix()).put("tensors", mod.tensors());
                num(x, "rel_l2", mod.relL2());
                num(x, "rms", mod.rms());
            }
            out.println(o);
        } else {
            long identical = r.pairs().stream().filter(p -> p.diff() != null && p.diff().maxAbs() == 0 && p.diff().nonFinite() == 0
                    && p.dtypeA().equals(p.dtypeB())).count();
            int paired = r.pairs().size();
            out.println(identical == paired
                    ? identical + " of " + paired + " paired tensors identical"
                    : (paired - identical) + " of " + paired + " paired tensors differ (" + identical + " identical)");
            out.println();
            out.printf("%-50s %12s %12s %12s %10s%n", "key", "max_abs", "mean_abs", "rel_l2", "cosine");
            for (CheckpointDiff.Pair p : r.pairs()) {
                if (p.diff() == null) {
                    out.printf("%-50s shape %s vs %s%n", p.key(), p.shapeA(), p.shapeB());
                } else {
                    TensorDiff d = p.diff();
                    out.printf("%-50s %12.4g %12.4g %12.4g %10.6f%s%n", p.key(), d.maxAbs(), d.meanAbs(), d.relL2(), d.cosine(),
                            p.dtypeA().equals(p.dtypeB()) ? "" : "  (" + p.dtypeA() + " vs " + p.dtypeB() + ")");
                }
            }
            if (!r.onlyInA().isEmpty()) out.println("only in A: " + r.onlyInA().size() + " keys, e.g. " + r.onlyInA().get(0));
            if (!r.onlyInB().isEmpty()) out.println("only in B: " + r.onlyInB().size() + " keys, e.g. " + r.onlyInB().get(0));
            if (!r.modules().isEmpty()) {
                out.println();
                out.println("change per module (in A's order):");
                out.printf("%-50s %8s %12s %12s%n", "module", "tensors", "rel_change", "rms");
                for (CheckpointDiff.Module mod : r.modules()) {
                    out.printf("%-50s %8d %12.4g %12.4g%n", mod.prefix().isEmpty() ? "(top level)" : mod.prefix(), mod.tensors(), mod.relL2(), mod.rms());
                }
            }
        }
        out.flush();
        return WeightbenchCommand.OK;
    }

    private static ObjectNode histogram(ObjectMapper m, Histogram h) {
        ObjectNode o = m.createObjectNode().put("scale", "linear").put("lo", h.lo()).put("hi", h.hi());
        ArrayNode counts = o.putArray("counts");
        for (long c : h.counts()) counts.add(c);
        return o;
    }

    /** A number as DESIGN.md writes it: NaN as null, infinities as "inf" / "-inf" (JSON has neither). */
    static void num(ObjectNode o, String name, double v) {
        if (Double.isNaN(v)) o.putNull(name);
        else if (Double.isInfinite(v)) o.put(name, v > 0 ? "inf" : "-inf");
        else o.put(name, v);
    }
}
