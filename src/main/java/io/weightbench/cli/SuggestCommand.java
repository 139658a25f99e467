package io.weightbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Suggester;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code suggest --model M --checkpoint C}: rules that make the checkpoint fit, best first. */
@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = {"Propose key-mapping rules that make a checkpoint fit a model.",
                "Suggestions come best first, each with the number of keys it fixes; -o writes them all as a rules file"
                        + " for compare, apply and verify --rules."})
public final class SuggestCommand extends CheckpointCommand {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "A template checkpoint, TorchScript file, shape-spec JSON or catalog:<name>.")
    String model;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "The checkpoint to fix.")
    Path checkpoint;

    @Option(names = {"-o", "--output"}, paramLabel = "RULES.json", description = "Write every suggestion, in order, as a rules file.")
    Path output;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        ModelSpec expected = ModelSpec.load(model);
        List<Suggester.Suggestion> suggestions;
        try (Checkpoint c = checkpointOptions.open(checkpoint)) {
            suggestions = Suggester.suggest(expected.tensors(), ModelSpec.fromCheckpoint(c).tensors());
        }
        RuleSet rules = new RuleSet(suggestions.stream().map(Suggester.Suggestion::rule).toList());
        if (output != null) {
            if (Files.exists(output) && Files.isSameFile(output, checkpoint)) throw new IOException(output + ": would overwrite the checkpoint");
            rules.write(output);
        }
        PrintWriter out = out();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            ArrayNode a = o.putArray("suggestions");
            ArrayNode ruleJson = (ArrayNode) rules.toJson().get("rules");
            for (int i = 0; i < suggestions.size(); i++) {
                Suggester.Suggestion s = suggestions.get(i);
                a.addObject().put("fixes", s.fixes()).put("reason", s.reason()).set("rule", ruleJson.get(i));
            }
            out.println(o);
        } else if (suggestions.isEmpty()) {
            out.println("no suggestions: nothing left that a rule can fix");
        } else {
            for (Suggester.Suggestion s : suggestions) {
                out.printf("%5s  %-50s %s%n", s.fixes() > 0 ? "+" + s.fixes() : "", s.rule().describe(), s.reason());
            }
            if (output != null) out.println("\nwrote " + suggestions.size() + " rules to " + output);
        }
        out.flush();
        return WeightbenchCommand.OK;
    }
}
