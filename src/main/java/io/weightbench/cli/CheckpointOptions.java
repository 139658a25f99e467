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

    /** Opens the file with the chosen weights entry; the caller closes it. */
    Checkpoint open(Path file) throws IOException {
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
