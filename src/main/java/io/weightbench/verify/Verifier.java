package io.weightbench.verify;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.export.ScriptPatcher;
import io.weightbench.stats.TensorDiff;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The forward-consistency check: a TorchScript model run in libtorch with its own weights (or a
 * reference checkpoint's) and with the fixed checkpoint's, on the same seeded random input, and
 * the outputs compared. Weights reach parameters and buffers alike through patched copies of the
 * archive ({@link ScriptPatcher}); what does not fit is reported before anything runs.
 */
public final class Verifier {

    /**
     * @param plan        how the fixed weights fit the model (keys not matched keep the model's own values)
     * @param reference   how the reference weights fit, when there is one
     * @param outputs     the outputs' names and shapes (of the fixed run)
     * @param nonFloat    outputs that are not floating point (class indices, masks): compared for equality, not in the numbers
     */
    public record Result(ScriptPatcher.Plan plan, Optional<ScriptPatcher.Plan> reference, List<String> outputs, double maxAbsDiff,
                         double meanAbsDiff, double relL2, long compared, List<String> nonFloat, List<String> problems) {}

    private Verifier() {}

    public static Result verify(Checkpoint script, List<TensorEntry> fixed, Optional<List<TensorEntry>> reference, long[] inputShape, long seed)
            throws IOException {
        if (!script.format().equals("torchscript")) {
            throw new CheckpointException(script.file(), "is a " + script.format() + " file: --model must be a TorchScript model (torch.jit.save)");
        }
        Path work = Files.createTempDirectory("weightbench-verify");
        try {
            Path fixedScript = work.resolve("fixed.pt");
            ScriptPatcher.Plan plan = ScriptPatcher.write(script, fixed, fixedScript);
            Optional<ScriptPatcher.Plan> refPlan = Optional.empty();
            Path baseline = script.file();
            if (reference.isPresent()) {
                baseline = work.resolve("reference.pt");
                refPlan = Optional.of(ScriptPatcher.write(script, reference.get(), baseline));
            }
            float[] input = input(inputShape, seed);
            List<TorchRuntime.Output> a = TorchRuntime.run(baseline, input, inputShape);
            List<TorchRuntime.Output> b = TorchRuntime.run(fixedScript, input, inputShape);
            return compare(plan, refPlan, a, b);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** Standard normal values from a seeded generator (Box-Muller): the same input for both runs, and for a rerun. */
    static float[] input(long[] shape, long seed) {
        long n = 1;
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " has a dimension <= 0");
            n = Math.multiplyExact(n, d);
        }
        if (n > 256L << 20) throw new IllegalArgumentException("an input of " + n + " values is too large");
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[(int) n];
        for (int i = 0; i < x.length; i += 2) {
            double u = 1.0 - r.nextDouble();
            double v = r.nextDouble();
            double m = Math.sqrt(-2 * Math.log(u));
            x[i] = (float) (m * Math.cos(2 * Math.PI * v));
            if (i + 1 < x.length) x[i + 1] = (float) (m * Math.sin(2 * Math.PI * v));
        }
        return x;
    }

    static Result compare(ScriptPatcher.Plan plan, Optional<ScriptPatcher.Plan> refPlan, List<TorchRuntime.Output> a, List<TorchRuntime.Output> b) {
        List<String> problems = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        List<String> nonFloat = new ArrayList<>();
        if (a.size() != b.size()) problems.add("the runs gave " + a.size() + " and " + b.size() + " outputs");
        TensorDiff.Accumulator acc = new TensorDiff.Accumulator();
        String firstDiffering = null;
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            TorchRuntime.Output x = a.get(i);
            TorchRuntime.Output y = b.get(i);
            outputs.add(y.name() + " " + y.dtype() + Arrays.toString(y.shape()));
            if (!Arrays.equals(x.shape(), y.shape())) {
                problems.add("output " + y.name() + " has shape " + Arrays.toString(x.shape()) + " vs " + Arrays.toString(y.shape()));
                continue;
            }
            if (!x.floating() || !y.floating() || x.values() == null || y.values() == null) {
                nonFloat.add(y.name() + " " + y.dtype());
                if (x.values() == null || y.values() == null) {
                    problems.add("output " + y.name() + " (" + y.dtype() + ") cannot be compared");
                } else {
                    long differ = 0;
                    for (int k = 0; k < x.values().length; k++) if (x.values()[k] != y.values()[k]) differ++;
                    if (differ > 0) problems.add("output " + y.name() + " (" + y.dtype() + "): " + differ + " of " + x.values().length + " values differ");
                }
                continue;
            }
            long start = acc.seen();
            acc.add(x.values(), y.values(), x.values().length);
            if (firstDiffering == null && acc.firstDiffering() >= start) {
                long at = acc.firstDiffering() - start;
                firstDiffering = "output " + y.name() + " at flat index " + at + ": " + x.values()[(int) at] + " vs " + y.values()[(int) at];
            }
        }
        if (acc.nonFiniteDiffering() > 0) {
            problems.add(acc.nonFiniteDiffering() + " output values are NaN or infinite in one run and not in the other (first: " + firstDiffering + ")");
        }
        TensorDiff d = acc.result(acc.seen(), null);
        double maxAbs = Double.isNaN(d.maxAbs()) ? 0 : d.maxAbs();
        double meanAbs = Double.isNaN(d.meanAbs()) ? 0 : d.meanAbs();
        return new Result(plan, refPlan, outputs, maxAbs, meanAbs, d.relL2(), acc.finiteCount(), nonFloat, problems);
    }
}
