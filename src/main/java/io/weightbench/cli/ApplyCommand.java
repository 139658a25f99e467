package io.weightbench.cli;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.export.Exporter;
import io.weightbench.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apply --rules R.json CHECKPOINT -o OUT}: writes the fixed checkpoint, verified. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Apply rules to a checkpoint and write the fixed checkpoint.",
                "OUT ending in .pth, .pt, .bin or .ckpt gets a torch zip that torch.load(weights_only=True) accepts, nested structure"
                        + " kept; .safetensors gets the weights entry only. Streamed into a temporary file, re-read and checked tensor by"
                        + " tensor, then renamed into place; never overwrites an input."})
public final class ApplyCommand extends CheckpointCommand {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "The checkpoint to fix.")
    Path checkpoint;

    @Option(names = "--rules", paramLabel = "RULES.json", description = "The rules (none: a plain conversion).")
    Path rules;

    @Option(names = "--preset", paramLabel = "NAME", description = RuleFiles.PRESET_HELP)
    String preset;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "The file to write.")
    Path output;

    @Option(names = "--weights-only", description = "Write only the fixed state_dict (.pth), without the epoch, optimizer"
            + " state and other entries around it. Note: torch < 2.0 cannot load a float with weights_only=True, so a"
            + " full training checkpoint (learning rates...) needs torch >= 2.0 for that.")
    boolean weightsOnly;

    @Option(names = "--shard-size", paramLabel = "SIZE", description = "For .safetensors: shards of at most SIZE (5GB, 500MB, 2GiB)"
            + " plus an index.json, as Hugging Face writes them.")
    String shardSize;

    @Option(names = "--json", description = "Write one JSON object to stdout (docs/cli-json.md).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        // The rules are parsed on another thread while the checkpoint opens: in a fresh JVM the JSON
        // library's start-up costs about as much as opening a large checkpoint. A bad rules file is
        // still the error reported when both inputs are bad.
        java.util.concurrent.FutureTask<RuleSet> parsing = new java.util.concurrent.FutureTask<>(
                () -> RuleFiles.load(rules, preset));
        Thread parser = new Thread(parsing, "weightbench-rules");
        parser.setDaemon(true);
        parser.start();
        Checkpoint opened;
        try {
            opened = checkpointOptions.open(checkpoint);
        } catch (IOException | RuntimeException e) {
            rulesOf(parsing);
            throw e;
        }
        RuleSet ruleSet;
        try {
            ruleSet = rulesOf(parsing);
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        Exporter.Result r;
        RuleSet applied;
        java.util.List<RuleSet.Replaced> replaced;
        try (Checkpoint c = opened) {
            long shard;
            try {
                shard = shardSize == null ? 0 : Exporter.parseSize(shardSize);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--shard-size: " + e.getMessage());
            }
            applied = RuleFiles.forCheckpoint(ruleSet, c);
            r = Exporter.export(c, applied, output, weightsOnly, shard, io.weightbench.tensor.Progress.none(),
                    rules == null ? java.util.List.of() : java.util.List.of(rules));
            replaced = RuleFiles.replaced(applied, c);
        }
        PrintWriter out = out();
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            o.put("output", r.output().toString()).put("format", r.format()).put("weights", r.weights()).put("tensors", r.tensors()).put("bytes", r.bytes());
            r.warnings().forEach(o.putArray("warnings")::add);
            RuleFiles.replacedJson(o.putArray("replaced"), replaced);
            out.println(o);
            out.flush();
            return WeightbenchCommand.OK;
        }
        RuleFiles.printReplaced(out, applied, replaced);
        out.println("wrote " + r.output() + " (" + r.format() + ", " + r.weights() + " weights, " + r.tensors() + " tensors in all, "
                + io.weightbench.tensor.ByteCounts.human(r.bytes()) + "); every tensor re-read and checked");
        for (String w : r.warnings()) out.println("warning: " + w);
        out.flush();
        return WeightbenchCommand.OK;
    }

    /** The parsed rules, or the error parsing them raised. */
    private static RuleSet rulesOf(java.util.concurrent.FutureTask<RuleSet> parsing) throws IOException {
        try {
            return parsing.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading the rules");
        }
    }
}
