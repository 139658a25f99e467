package io.weightbench.verify;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.compare.Comparator;
import io.weightbench.compare.Comparison;
import io.weightbench.compare.TorchMetadata;
import io.weightbench.export.ScriptPatcher;
import io.weightbench.model.ModelSpec;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.RuleSet;
import io.weightbench.rules.TensorRule;
import io.weightbench.stats.TensorDiff;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The forward-consistency check: a TorchScript model run in libtorch with its own weights (or a
 * reference checkpoint's) and with the fixed checkpoint's, on the same seeded random input, and
 * the outputs compared. The weights reach the model as torch's {@code load_state_dict} would put
 * them there (cast to the model's dtype, a 1-d tensor into a 0-d parameter, BatchNorm's
 * {@code num_batches_tracked} filled in), parameters and buffers alike, through patched copies of
 * the archive ({@link ScriptPatcher}); what does not fit is reported before anything runs.
 */
public final class Verifier {

    /** Weights to put into the model, with the per-module versions torch reads from their state_dict ({@code _metadata}). */
    public record Weights(List<TensorEntry> tensors, Optional<Map<String, Long>> moduleVersions) {

        public Weights {
            tensors = List.copyOf(tensors);
        }

        /** A checkpoint's weights entry. */
        public static Weights of(Checkpoint c) {
            return new Weights(c.weights(), TorchMetadata.moduleVersions(c));
        }

        /** A checkpoint's weights after rules (whose renames leave the file's module versions behind, as in compare). */
        public static Weights of(Checkpoint c, RuleSet rules) throws IOException {
            if (rules.rules().isEmpty()) return of(c);
            List<TensorSpec> held = ModelSpec.fromCheckpoint(c).tensors();
            boolean renamed = rules.apply(held).renamesKeys();
            Map<String, TensorEntry> fixed = io.weightbench.export.Exporter.withRules(c.weights(), rules);
            return new Weights(new ArrayList<>(fixed.values()), renamed ? Optional.empty() : TorchMetadata.moduleVersions(c));
        }
    }

    /**
     * How a set of weights fits a TorchScript model, as torch's loader sees it.
     *
     * @param replaced   the model's keys that get the weights' values (cast, or a 1-d tensor's first value, where torch does so)
     * @param missing    the model's keys without a weight (they keep the model's own values)
     * @param unexpected weights the model has no key for, as torch reports them
     * @param mismatched keys whose shapes differ, with both shapes (they keep the model's own values)
     * @param filled     {@code num_batches_tracked} buffers torch fills in with 0 itself
     * @param cast       keys whose values torch casts to the model's dtype on load
     * @param notes      what torch does silently (keys it ignores, a 0-d parameter taking the first of several values)
     */
    public record Plan(List<String> replaced, List<String> missing, List<String> unexpected, List<String> mismatched,
                       List<String> filled, List<String> cast, List<String> notes) {

        /** Whether torch would load the weights with {@code strict=True}: then the outputs alone decide. */
        public boolean loadsStrictly() {
            return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
        }
    }

    /**
     * @param plan        how the fixed weights fit the model (keys not replaced keep the model's own values)
     * @param reference   how the reference weights fit, when there is one
     * @param outputs     the outputs' names and shapes (of the fixed run)
     * @param nonFloat    outputs that are not floating point (class indices, masks): compared for equality, not in the numbers
     * @param problems    outputs that could not be compared, or differ where they are not numbers
     */
    public record Result(Plan plan, Optional<Plan> reference, List<String> outputs, double maxAbsDiff,
                         double meanAbsDiff, double relL2, long compared, List<String> nonFloat, List<String> problems) {

        /**
         * Why the check fails at this tolerance, each reason in a line; empty when it passes. The
         * outputs' numbers are always among them when they differ, whatever else is wrong.
         */
        public List<String> failures(double tolerance) {
            List<String> out = new ArrayList<>();
            if (plan == null) return out;
            if (plan.replaced().isEmpty()) {
                out.add("no tensor was replaced: none of the checkpoint's keys names a parameter or buffer of the model");
            }
            if (!plan.loadsStrictly()) out.add("not every key fits (" + keyCounts(plan) + "): torch's load_state_dict(strict=True) would fail");
            reference.ifPresent(r -> {
                if (!r.loadsStrictly()) out.add("not every key of the reference fits (" + keyCounts(r) + ")");
            });
            out.addAll(problems);
            if (!(relL2 <= tolerance)) {
                out.add(String.format(Locale.ROOT, "outputs differ: rel_l2 %.6g > tolerance %.3g (max_abs_diff %.6g over %d values)",
                        relL2, tolerance, maxAbsDiff, compared));
            }
            return out;
        }

        private static String keyCounts(Plan p) {
            List<String> parts = new ArrayList<>();
            if (!p.missing().isEmpty()) parts.add(p.missing().size() + " missing");
            if (!p.unexpected().isEmpty()) parts.add(p.unexpected().size() + " unexpected");
            if (!p.mismatched().isEmpty()) parts.add(p.mismatched().size() + " shape differs");
            return String.join(", ", parts);
        }
    }

    private Verifier() {}

    /** How {@code weights} fit the script's parameters and buffers, and the values each replaced key gets. */
    public static Plan plan(Checkpoint script, Weights weights) throws IOException {
        return prepare(script, weights).plan();
    }

    private record Prepared(Plan plan, Map<String, TensorData> values) {}

    /** Writes {@code out}: the script with the weights put in as torch's loader would; returns how they fit. */
    public static Plan patch(Checkpoint script, Weights weights, Path out) throws IOException {
        Prepared p = prepare(script, weights);
        ScriptPatcher.write(script, p.values(), out);
        return p.plan();
    }

    private static Prepared prepare(Checkpoint script, Weights weights) throws IOException {
        requireScript(script);
        List<TensorSpec> model = ModelSpec.fromCheckpoint(script).tensors();
        Map<String, TensorData> given = new LinkedHashMap<>();
        List<TensorSpec> specs = new ArrayList<>();
        for (TensorEntry t : weights.tensors()) {
            given.put(t.key(), t.data());
            specs.add(TensorSpec.of(t.key(), t.data().shape(), t.data().dtype()));
        }
        Comparison cmp = Comparator.compare(model, specs, weights.moduleVersions());
        Map<String, TensorData> values = new LinkedHashMap<>();
        List<String> cast = new ArrayList<>();
        for (TensorSpec m : model) {
            TensorData w = given.get(m.key());
            if (w == null) continue;
            boolean mismatched = cmp.mismatched().stream().anyMatch(x -> x.key().equals(m.key()));
            if (mismatched) continue;
            TensorData v = w;
            if (m.shape().isEmpty() && w.rank() == 1) {
                // torch: input_param = input_param[0]
                v = new TensorData(w.storage(), w.dtype(), new long[0], new long[0], w.storageOffset(), w.quantization());
            }
            if (v.dtype() != m.dtype()) {
                // torch: param.copy_(input_param) casts to the parameter's dtype
                v = new TensorRule.Cast(".*", m.dtype()).transform(v, m.key());
                cast.add(m.key() + ": " + w.dtype() + " -> " + m.dtype());
            }
            values.put(m.key(), v);
        }
        for (String k : cmp.filledByTorch()) {
            TensorSpec m = model.stream().filter(t -> t.key().equals(k)).findFirst().orElseThrow();
            values.put(k, zeros(m));
        }
        List<String> mismatched = new ArrayList<>();
        for (Comparison.Mismatch x : cmp.mismatched()) mismatched.add(x.key() + ": model " + x.modelShape() + ", weights " + x.checkpointShape());
        List<String> notes = new ArrayList<>(cmp.notes());
        for (String k : cmp.ignoredByTorch()) notes.add(k + ": ignored by torch (neither loaded nor reported)");
        List<String> replaced = new ArrayList<>(values.keySet());
        replaced.removeAll(cmp.filledByTorch());
        Plan plan = new Plan(replaced, cmp.missing(), cmp.unexpected(), mismatched, cmp.filledByTorch(), cast, notes);
        return new Prepared(plan, values);
    }

    /** torch's fill-in for a missing {@code num_batches_tracked}: {@code torch.tensor(0, dtype=torch.long)}. */
    private static TensorData zeros(TensorSpec m) {
        long n = 1;
        for (long d : m.shape()) n *= d;
        long[] shape = m.shape().stream().mapToLong(Long::longValue).toArray();
        Storage s = new Storage("filled", m.dtype(), n, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(new byte[(int) m.dtype().bytesFor(n)]));
        return TensorData.contiguous(s, shape);
    }

    public static Result verify(Checkpoint script, Weights fixed, Optional<Weights> reference, long[] inputShape, long seed)
            throws IOException {
        requireScript(script);
        Path work = Files.createTempDirectory("weightbench-verify");
        try {
            Path fixedScript = work.resolve("fixed.pt");
            Prepared plan = prepare(script, fixed);
            ScriptPatcher.write(script, plan.values(), fixedScript);
            Optional<Plan> refPlan = Optional.empty();
            Path baseline = script.file();
            if (reference.isPresent()) {
                baseline = work.resolve("reference.pt");
                Prepared ref = prepare(script, reference.get());
                ScriptPatcher.write(script, ref.values(), baseline);
                refPlan = Optional.of(ref.plan());
            }
            float[] input = input(inputShape, seed);
            List<TorchRuntime.Output> a = TorchRuntime.run(baseline, input, inputShape);
            List<TorchRuntime.Output> b = TorchRuntime.run(fixedScript, input, inputShape);
            return compare(plan.plan(), refPlan, a, b);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static void requireScript(Checkpoint script) throws CheckpointException {
        if (!script.format().equals("torchscript")) {
            throw new CheckpointException(script.file(), "is a " + script.format() + " file: --model must be a TorchScript model (torch.jit.save)");
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

    static Result compare(Plan plan, Optional<Plan> refPlan, List<TorchRuntime.Output> a, List<TorchRuntime.Output> b) {
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
