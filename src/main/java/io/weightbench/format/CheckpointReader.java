package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import java.io.IOException;

/** One file format: recognises its files by content and opens them, reading metadata only. */
public interface CheckpointReader {

    /** True if the file is in this reader's format (a cheap look at its head or zip directory). */
    boolean probe(Probe probe) throws IOException;

    /**
     * Opens the file. Tensor bytes are not read; the returned checkpoint owns {@code probe.file()}
     * and closes it.
     */
    Checkpoint open(Probe probe, Formats formats) throws IOException;
}
