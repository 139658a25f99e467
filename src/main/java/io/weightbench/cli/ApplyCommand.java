package io.weightbench.cli;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.export.Exporter;
import io.weightbench.export.FillMissing;
import io.weightbench.model.ModelSpec;
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

    @Option(names = "--progress", description = "Print progress to stderr twice a second (bytes written and read back; a view"
            + " larger than its storage counts every byte it stands for).")
    boolean progress;

    @Option(names = "--json", description = "Write one JSON object to stdout (docs/cli-json.md).")
    boolean json;

    @Option(names = "--model", paramLabel = "MODEL", description = "The model (a template file or catalog:<name>) whose missing keys"
            + " --fill-missing fills.")
    String model;

    @Option(names = "--fill-missing", paramLabel = "HOW", description = "Add the keys the model has and the checkpoint (after the rules)"
            + " lacks, so that it loads with strict=True: 'template' takes the --model file's values, 'init' initialises them as torch"
            + " initialises their module (Linear/Conv kaiming_uniform, norms 1/0, BatchNorm statistics 0/1; the kind inferred from the"
            + " key's name and rank). Each is listed and recorded as an add_tensor rule.")
    String fillMissing;

    @Option(names = "--seed", paramLabel = "N", description = "The seed of --fill-missing init's random draws (default 0; recorded in the rules).")
    long seed;

    @Option(names = "--save-rules", paramLabel = "RULES.json", description = "Also write the rules as applied (with the preset's, the"
            + " values read from the checkpoint and the --fill-missing rules): apply --rules replays them.")
    Path saveRules;

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
        FillMissing.Plan plan = new FillMissing.Plan(java.util.List.of(), java.util.List.of());
        try (Checkpoint c = opened) {
            long shard;
            try {
                shard = shardSize == null ? 0 : Exporter.parseSize(shardSize);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--shard-size: " + e.getMessage());
            }
            applied = RuleFiles.forCheckpoint(ruleSet, c);
            if (fillMissing != null) {
                plan = plan(applied, c);
                java.util.List<io.weightbench.rules.Rule> all = new java.util.ArrayList<>(applied.rules());
                all.addAll(plan.rules());
                applied = new RuleSet(all, applied.preset());
            }
            if (saveRules != null) {
                if (java.nio.file.Files.exists(saveRules) && java.nio.file.Files.isSameFile(saveRules, checkpoint)) {
                    throw new IOException(saveRules + ": would overwrite the checkpoint");
                }
                applied.write(saveRules);
            }
            io.weightbench.tensor.Progress p = new io.weightbench.tensor.Progress(0);
            try (ProgressPrinter ignored = new ProgressPrinter(p, spec.commandLine().getErr(), "apply", progress)) {
                r = Exporter.export(c, applied, output, weightsOnly, shard, p,
                        rules == null ? java.util.List.of() : java.util.List.of(rules));
            }
            replaced = RuleFiles.replaced(applied, c);
        }
        PrintWriter out = out();
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            o.put("output", r.output().toString()).put("format", r.format()).put("weights", r.weights()).put("tensors", r.tensors()).put("bytes", r.bytes());
            r.warnings().forEach(o.putArray("warnings")::add);
            RuleFiles.replacedJson(o.putArray("replaced"), replaced);
            com.fasterxml.jackson.databind.node.ArrayNode filled = o.putArray("filled");
            for (io.weightbench.rules.MultiKeyRule.AddTensor a : plan.rules()) {
                com.fasterxml.jackson.databind.node.ObjectNode f = filled.addObject();
                f.put("op", a.op());
                a.writeJson(f);
            }
            com.fasterxml.jackson.databind.node.ArrayNode left = o.putArray("not_filled");
            for (FillMissing.Unfilled u : plan.unfilled()) left.addObject().put("key", u.key()).put("reason", u.reason());
            out.println(o);
            out.flush();
            return WeightbenchCommand.OK;
        }
        RuleFiles.printReplaced(out, applied, replaced);
        if (fillMissing != null) {
            out.println("filled " + plan.rules().size() + " keys the checkpoint lacks (--fill-missing " + fillMissing
                    + (fillMissing.equals("init") ? ", seed " + seed : "") + ")" + (plan.rules().isEmpty() ? "" : ":"));
            for (io.weightbench.rules.MultiKeyRule.AddTensor a : plan.rules()) out.println("  " + a.describe());
            for (FillMissing.Unfilled u : plan.unfilled()) out.println("not filled: " + u.key() + ": " + u.reason());
        }
        if (saveRules != null) out.println("rules as applied written to " + saveRules);
        out.println("wrote " + r.output() + " (" + r.format() + ", " + r.weights() + " weights, " + r.tensors() + " tensors in all, "
                + io.weightbench.tensor.ByteCounts.human(r.bytes()) + "); every tensor re-read and checked");
        for (String w : r.warnings()) out.println("warning: " + w);
        out.flush();
        return WeightbenchCommand.OK;
    }

    /** The add_tensor rules for the keys the model has and the checkpoint, after {@code rules}, lacks. */
    private FillMissing.Plan plan(RuleSet rules, Checkpoint c) throws IOException {
        FillMissing.Mode mode = switch (fillMissing) {
            case "template" -> FillMissing.Mode.TEMPLATE;
            case "init" -> FillMissing.Mode.INIT;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--fill-missing takes 'template' or 'init', not '" + fillMissing + "'");
        };
        if (model == null) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--fill-missing needs --model");
        boolean catalog = model.startsWith(ModelSpec.CATALOG_PREFIX);
        if (mode == FillMissing.Mode.TEMPLATE && catalog) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--fill-missing template needs --model FILE (a catalog model has no values)");
        }
        ModelSpec expected = ModelSpec.load(model);
        java.util.List<io.weightbench.model.TensorSpec> after = rules.apply(ModelSpec.fromCheckpoint(c).tensors()).tensors();
        return FillMissing.plan(expected.tensors(), after, mode, seed, catalog ? java.util.Optional.empty() : java.util.Optional.of(Path.of(model)));
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
