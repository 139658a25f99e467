package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One format: recognises its sources by content and opens them, reading metadata only. A source
 * is a file, a folder (a TensorFlow SavedModel, a TF.js model) or a file together with the
 * siblings it names (shards, external data); siblings are opened through {@link SourceFiles}.
 */
public interface CheckpointReader {

    /**
     * Whether the file is in this reader's format, by a cheap look at its content (its head, its
     * zip directory, a parsed header). When it is, the opener that finishes the job, reusing what
     * the look parsed.
     */
    Optional<Opener> probe(Probe probe) throws IOException;

    /** Whether a folder is a source in this reader's format; the opener as for {@link #probe}. */
    default Optional<Opener> probeFolder(SourceFiles folder) throws IOException {
        return Optional.empty();
    }

    /**
     * For a path that names no file or folder: the file it stands for in this reader's format (a
     * TensorFlow checkpoint prefix {@code model.ckpt} stands for {@code model.ckpt.index}).
     */
    default Optional<Path> resolveMissing(Path path) {
        return Optional.empty();
    }

    /** Opens a recognised source. */
    @FunctionalInterface
    interface Opener {
        /**
         * Reads the source's structure (tensor bytes stay in their files). The checkpoint owns
         * the probe's {@link SourceFiles} and closes them.
         */
        Checkpoint open(Formats formats) throws IOException;
    }
}
