package io.weightbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import io.weightbench.rules.RuleSet;
import io.weightbench.verify.Verifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verify}: do the fixed weights make the model compute what it should? */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check that fixed weights make a TorchScript model compute what it should.",
                "Runs the model in libtorch with its own weights (or --reference's) and with the checkpoint's, on the same seeded"
                        + " random input, and compares the outputs. Weights go in as torch's load_state_dict puts them (cast to the"
                        + " model's dtype, a missing BatchNorm num_batches_tracked filled in), parameters and buffers alike, in a patched"
                        + " copy of the archive; keys that do not fit are reported first.",
                "Exit 0 when torch would load the weights with strict=True and rel_l2 <= --tolerance, 1 otherwise."})
public final class VerifyCommand extends CheckpointCommand {

    @Option(names = "--model", required = true, paramLabel = "MODEL.pt", description = "A TorchScript model (torch.jit.save).")
    Path model;

    @Option(names = "--checkpoint", required = true, paramLabel = "FIXED", description = "The weights to check (e.g. what apply wrote).")
    Path checkpoint;

    @Option(names = "--reference", paramLabel = "ORIGINAL", description = "Weights for the baseline run instead of the model's own.")
    Path reference;

    @Option(names = "--rules", paramLabel = "RULES.json", description = "Rules applied to the checkpoint's weights first (as apply would).")
    Path rules;

    @Option(names = "--preset", paramLabel = "NAME", description = RuleFiles.PRESET_HELP)
    String preset;

    @Option(names = "--input-shape", paramLabel = "N,C,H,W", split = ",", hideParamSyntax = true,
            description = "The input's shape, comma-separated (default: 1,3,224,224).")
    long[] inputShape = {1, 3, 224, 224};

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random input (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tolerance", paramLabel = "REL_L2", description = "Largest relative L2 difference of the outputs that passes (default: ${DEFAULT-VALUE}).")
    double tolerance = 1e-5;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (Checkpoint script = Formats.standard().open(model); Checkpoint fixed = checkpointOptions.open(checkpoint);
             Checkpoint ref = reference == null ? null : checkpointOptions.open(reference)) {
            Verifier.Weights weights = rules == null && preset == null ? Verifier.Weights.of(fixed)
                    : Verifier.Weights.of(fixed, RuleFiles.forCheckpoint(RuleFiles.load(rules, preset), fixed));
            Verifier.Plan plan = Verifier.plan(script, weights);
            PrintWriter err = spec.commandLine().getErr();
            if (!json) report(err, "checkpoint", plan);
            if (!json) {
                err.println("running the model in libtorch (the first run unpacks it, a few seconds) ...");
                err.flush();
            }
            Verifier.Result r = Verifier.verify(script, weights, Optional.ofNullable(ref).map(Verifier.Weights::of), inputShape, seed);
            List<String> failures = r.failures(tolerance);
            boolean passed = failures.isEmpty();
            PrintWriter out = out();
            if (json) {
                out.println(toJson(r, passed, failures));
            } else {
                out.printf("outputs: %s%n", String.join(", ", r.outputs()));
                out.printf("max_abs_diff %.6g  mean_abs_diff %.6g  rel_l2 %.6g  over %d values (input %s, seed %d)%n", r.maxAbsDiff(), r.meanAbsDiff(),
                        r.relL2(), r.compared(), Arrays.toString(inputShape), seed);
                r.reference().ifPresent(p -> report(out, "reference", p));
                for (String p : r.problems()) out.println("problem: " + p);
                if (!r.nonFloat().isEmpty()) out.println("not compared (not floating point): " + String.join(", ", r.nonFloat()));
                if (passed) out.println("PASS: the outputs agree");
                for (String f : failures) out.println("FAIL: " + f);
            }
            out.flush();
            return passed ? WeightbenchCommand.OK : WeightbenchCommand.CHECK_FAILED;
        }
    }

    private static void report(PrintWriter w, String what, Verifier.Plan p) {
        w.printf("%s: %d tensors replaced%n", what, p.replaced().size());
        list(w, "missing (the model keeps its own)", p.missing());
        list(w, "shape differs (the model keeps its own)", p.mismatched());
        list(w, "unexpected (not in the model)", p.unexpected());
        list(w, "cast on load, as torch does", p.cast());
        list(w, "filled in by torch (num_batches_tracked = 0)", p.filled());
        for (String n : p.notes()) w.println("  note: " + n);
        w.flush();
    }

    private static void list(PrintWriter w, String what, List<String> keys) {
        if (keys.isEmpty()) return;
        w.println("  " + what + ": " + keys.size());
        keys.stream().limit(20).forEach(k -> w.println("    " + k));
        if (keys.size() > 20) w.println("    ...");
    }

    private static ObjectNode toJson(Verifier.Result r, boolean passed, List<String> failures) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("passed", passed);
        failures.forEach(o.putArray("failures")::add);
        DiffCommand.num(o, "max_abs_diff", r.maxAbsDiff());
        DiffCommand.num(o, "mean_abs_diff", r.meanAbsDiff());
        DiffCommand.num(o, "rel_l2", r.relL2());
        o.put("compared_values", r.compared());
        r.outputs().forEach(o.putArray("output_shapes")::add);
        o.put("replaced", r.plan().replaced().size());
        r.plan().missing().forEach(o.putArray("missing")::add);
        r.plan().unexpected().forEach(o.putArray("unexpected")::add);
        r.plan().mismatched().forEach(o.putArray("mismatched")::add);
        r.plan().cast().forEach(o.putArray("cast")::add);
        r.plan().filled().forEach(o.putArray("filled_by_torch")::add);
        r.plan().notes().forEach(o.putArray("notes")::add);
        r.reference().ifPresent(p -> {
            ObjectNode ref = o.putObject("reference");
            ref.put("replaced", p.replaced().size());
            p.missing().forEach(ref.putArray("missing")::add);
            p.unexpected().forEach(ref.putArray("unexpected")::add);
            p.mismatched().forEach(ref.putArray("mismatched")::add);
        });
        ArrayNode nf = o.putArray("non_float_outputs");
        r.nonFloat().forEach(nf::add);
        r.problems().forEach(o.putArray("problems")::add);
        return o;
    }

}
