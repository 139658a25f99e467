package io.weightbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.stats.HealthCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code check FILE}: health findings over the weights; exit 1 when any is an error. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check a checkpoint's weights for common faults.",
                "Python globals the pickle would import and call (any not on torch's weights_only allowlist; an error for calls known to run code),"
                        + " NaN/Inf, all-zero or constant weights, BatchNorm running statistics, float16 overflow, mixed dtypes in a module,"
                        + " tied weights. Exit 1 if any finding is an error."})
public final class CheckCommand extends CheckpointCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The checkpoint to check.")
    Path file;

    @Option(names = "--json", description = "Write one JSON object to stdout.")
    boolean json;

    @Option(names = "--progress", description = "Print progress to stderr twice a second (in logical bytes: a view larger"
            + " than its storage counts every byte it stands for).")
    boolean progress;

    @Override
    public Integer call() throws IOException {
        List<HealthCheck.Finding> findings;
        try (Checkpoint c = checkpointOptions.open(file)) {
            findings = new java.util.ArrayList<>(HealthCheck.pickleGlobals(c.pickleGlobals()));
            io.weightbench.tensor.Progress p = new io.weightbench.tensor.Progress(c.weights().stream().mapToLong(t -> t.data().nbytes()).sum());
            try (ProgressPrinter ignored = new ProgressPrinter(p, spec.commandLine().getErr(), "check", progress)) {
                findings.addAll(HealthCheck.check(c.weights(), t -> io.weightbench.stats.TensorStats.of(t.data(), p)));
            }
        }
        PrintWriter out = out();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            ArrayNode a = o.putArray("findings");
            for (HealthCheck.Finding f : findings) {
                a.addObject().put("severity", f.severity().name().toLowerCase(Locale.ROOT)).put("key", f.key()).put("check", f.check())
                        .put("message", f.message());
            }
            out.println(o);
        } else if (findings.isEmpty()) {
            out.println("no findings");
        } else {
            for (HealthCheck.Finding f : findings) {
                out.printf("%-7s %-40s %s%n", f.severity().name().toLowerCase(Locale.ROOT), f.key().isEmpty() ? (f.check().equals("pickle_global") ? "(pickle)" : "(top level)") : f.key(), f.message());
            }
        }
        out.flush();
        boolean errors = findings.stream().anyMatch(f -> f.severity() == HealthCheck.Severity.ERROR);
        return errors ? WeightbenchCommand.CHECK_FAILED : WeightbenchCommand.OK;
    }
}
