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
                "Ranks the catalog's architectures by how well the checkpoint fits each after the suggested rules."})
public final class IdentifyCommand extends CheckpointCommand {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "The checkpoint to identify.")
    Path checkpoint;

    @Option(names = "--top", paramLabel = "N", description = "How many candidates to show (default ${DEFAULT-VALUE}).")
    int top = 5;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        List<Identifier.Candidate> ranked;
        try (Checkpoint c = checkpointOptions.open(checkpoint)) {
            ranked = Identifier.rank(ModelSpec.fromCheckpoint(c).tensors());
        }
        List<Identifier.Candidate> shown = ranked.subList(0, Math.min(top, ranked.size()));
        PrintWriter out = out();
        if (json) {
            ArrayNode a = new ObjectMapper().createArrayNode();
            for (Identifier.Candidate c : shown) {
                a.addObject().put("model", c.model()).put("fit", c.fit()).put("matched", c.matched()).put("model_keys", c.modelKeys())
                        .put("missing", c.missing()).put("unexpected", c.unexpected()).put("mismatched", c.mismatched())
                        .put("rules", c.rules());
            }
            out.println(new ObjectMapper().createObjectNode().set("candidates", a));
        } else {
            out.printf("%-28s %6s  %s%n", "model", "fit", "after the suggested rules");
            for (Identifier.Candidate c : shown) {
                out.printf("%-28s %5.1f%%  %d/%d keys matched, %d missing, %d unexpected, %d mismatched (%d rules)%n", c.model(),
                        100 * c.fit(), c.matched(), c.modelKeys(), c.missing(), c.unexpected(), c.mismatched(), c.rules());
            }
        }
        out.flush();
        return WeightbenchCommand.OK;
    }
}
