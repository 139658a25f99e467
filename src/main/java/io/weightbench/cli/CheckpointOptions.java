package io.weightbench.cli;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of every command that opens a checkpoint (a picocli mixin). */
final class CheckpointOptions {

    @Option(names = "--entry", paramLabel = "KEY",
            description = "Use KEY as the checkpoint's weights entry instead of the detected one (\"\" for the top level).")
    String entry;

    @Option(names = "--verbose", description = "Print a stack trace with errors.")
    boolean verbose;

    @Option(names = "--max-view-multiple", paramLabel = "N", description = "Refuse to read a view (a stride-0 expand) that"
            + " stands for more than N times its storage's bytes and over 1 GiB; 0: no limit (default: "
            + io.weightbench.tensor.TensorData.MAX_VIEW_MULTIPLE + "). Work under it shows with --progress.")
    Long maxViewMultiple;

    /** Opens the file with the chosen weights entry; the caller closes it. */
    Checkpoint open(Path file) throws IOException {
        if (maxViewMultiple != null) io.weightbench.tensor.TensorData.setMaxViewMultiple(maxViewMultiple);
        Checkpoint c = Formats.standard().open(file);
        if (entry == null) return c;
        try {
            return c.withWeightsEntry(entry);
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }
}
