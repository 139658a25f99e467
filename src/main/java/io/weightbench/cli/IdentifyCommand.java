package io.weightbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Identifier;
import io.weightbench.model.ModelSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code identify CHECKPOINT}: which catalog architecture does this checkpoint fit best? */
@Command(name = "identify", mixinStandardHelpOptions = true,
        description = {"Name the catalog architecture a checkpoint belongs to.",
                "Ranks every catalog architecture (timm and torchvision) by how well the checkpoint fits it once its prefix (module., backbone. ...) is lined up with the model's: matched keys over the larger of the two key counts. A head or stem resized as timm's num_classes / in_chans do is named with that option."})
public final class IdentifyCommand extends CheckpointCommand {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "The checkpoint to identify.")
    Path checkpoint;

    @Option(names = "--top", paramLabel = "N", description = "How many candidates to show (default ${DEFAULT-VALUE}).")
    int top = 5;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Option(names = "--timings", description = "Print to stderr how long loading the catalog's index and ranking took, in milliseconds"
            + " (inside the JVM, without its start-up).")
    boolean timings;

    @Override
    public Integer call() throws IOException {
        List<Identifier.Candidate> ranked;
        try (Checkpoint c = checkpointOptions.open(checkpoint)) {
            List<io.weightbench.model.TensorSpec> tensors = ModelSpec.fromCheckpoint(c).tensors();
            long start = System.nanoTime();
            Identifier.warmUp();
            long indexed = System.nanoTime();
            ranked = Identifier.rank(tensors);
            long done = System.nanoTime();
            if (timings) {
                spec.commandLine().getErr().printf("timings: catalog index %.1f ms, rank %.1f ms, %d checkpoint keys%n",
                        (indexed - start) / 1e6, (done - indexed) / 1e6, tensors.size());
                spec.commandLine().getErr().flush();
            }
        }
        List<Identifier.Candidate> shown = ranked.subList(0, Math.min(top, ranked.size()));
        PrintWriter out = out();
        if (json) {
            ArrayNode a = new ObjectMapper().createArrayNode();
            for (Identifier.Candidate c : shown) {
                com.fasterxml.jackson.databind.node.ObjectNode o = a.addObject().put("model", c.model()).put("score", c.score())
                        .put("fit", c.fit()).put("matched", c.matched()).put("model_keys", c.modelKeys()).put("checkpoint_keys", c.checkpointKeys())
                        .put("missing", c.missing()).put("unexpected", c.unexpected()).put("mismatched", c.mismatched())
                        .put("rules", c.rules());
                ArrayNode same = o.putArray("same");
                c.same().forEach(same::add);
            }
            out.println(new ObjectMapper().createObjectNode().set("candidates", a));
        } else {
            out.printf("%-44s %6s  %s%n", "model", "score", "keys once the prefixes are lined up");
            for (Identifier.Candidate c : shown) {
                out.printf("%-44s %5.1f%%  %d/%d model keys matched (checkpoint: %d), %d missing, %d unexpected, %d mismatched%s%s%n",
                        c.model(), 100 * c.score(), c.matched(), c.modelKeys(), c.checkpointKeys(), c.missing(), c.unexpected(), c.mismatched(),
                        c.rules() > 0 ? " (after a prefix change)" : "", c.same().isEmpty() ? "" : "; the same state_dict as " + sameText(c.same()));
            }
        }
        out.flush();
        return WeightbenchCommand.OK;
    }

    private static String sameText(List<String> same) {
        return same.size() <= 3 ? String.join(", ", same) : String.join(", ", same.subList(0, 3)) + " and " + (same.size() - 3) + " more";
    }
}
