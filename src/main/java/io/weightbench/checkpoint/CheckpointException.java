package io.weightbench.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A file could not be opened as a checkpoint; the message names the file and what is wrong. */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
