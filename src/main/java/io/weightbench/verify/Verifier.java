package io.weightbench.verify;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.export.ScriptPatcher;
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
        double maxAbs = 0;
        double sumAbs = 0;
        double sumSq = 0;
        double normA = 0;
        long count = 0;
        long nanOnOneSide = 0;
        String firstNan = null;
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
            double[] u = x.values();
            double[] v = y.values();
            for (int k = 0; k < u.length; k++) {
                double d = Math.abs(u[k] - v[k]);
                if (Double.isNaN(d)) {
                    if (Double.isNaN(u[k]) != Double.isNaN(v[k])) {
                        nanOnOneSide++;
                        if (firstNan == null) firstNan = "output " + y.name() + " at flat index " + k + ": " + u[k] + " vs " + v[k];
                    }
                    continue;
                }
                if (d > maxAbs) maxAbs = d;
                sumAbs += d;
                sumSq += d * d;
                normA += u[k] * u[k];
                count++;
            }
        }
        if (nanOnOneSide > 0) problems.add(nanOnOneSide + " output values are NaN in one run only (first: " + firstNan + ")");
        double rel = normA == 0 ? (sumSq == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(sumSq / normA);
        return new Result(plan, refPlan, outputs, maxAbs, count == 0 ? 0 : sumAbs / count, rel, count, nonFloat, problems);
    }
}
