package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Opens any checkpoint: asks each reader in turn whether the source is theirs (by content, never
 * by extension) and lets the first that says yes open it. A source is a file, a folder (a
 * TensorFlow SavedModel, a TF.js model) or a prefix that stands for files (a TensorFlow
 * checkpoint's {@code model.ckpt}). Every failure becomes a {@link CheckpointException} naming the
 * file and the problem.
 */
public final class Formats {

    private final List<CheckpointReader> readers;

    public Formats(List<CheckpointReader> readers) {
        this.readers = List.copyOf(readers);
    }

    /** Every reader, most specific first; the refusals (files named for what they are) last. */
    public static Formats standard() {
        List<CheckpointReader> all = new ArrayList<>(List.of(
                new TorchZipReader(),
                new NpzReader(),
                new TorchLegacyReader(),
                new SafetensorsReader(),
                new NpyReader(),
                new ShardedIndexReader()));
        all.addAll(OtherFrameworks.readers());
        all.add(new PlainPickleReader());
        all.add(new RefusedFormats());
        return new Formats(all);
    }

    public Checkpoint open(Path path) throws CheckpointException {
        if (Files.isDirectory(path)) return openFolder(path);
        if (!Files.exists(path)) {
            for (CheckpointReader reader : readers) {
                Optional<Path> stands = reader.resolveMissing(path);
                if (stands.isPresent() && Files.isRegularFile(stands.get())) return open(stands.get());
            }
            throw new CheckpointException(path, "no such file");
        }
        if (!Files.isRegularFile(path)) throw new CheckpointException(path, "is not a regular file");
        if (!Files.isReadable(path)) throw new CheckpointException(path, "cannot be read (permissions)");
        SourceFiles files = null;
        boolean ok = false;
        try {
            files = SourceFiles.forFile(path);
            if (files.main().size() == 0) throw new CheckpointException(path, "is empty (0 bytes)");
            Probe probe = new Probe(path, files);
            for (CheckpointReader reader : readers) {
                Optional<CheckpointReader.Opener> opener = reader.probe(probe);
                if (opener.isPresent()) {
                    Checkpoint c = opener.get().open(this);
                    ok = true;
                    return c;
                }
            }
            throw new CheckpointException(path, "not a checkpoint format Weightbench reads (" + describeHead(probe.head()) + ")");
        } catch (Throwable e) {
            throw failure(path, e);
        } finally {
            if (!ok) closeQuietly(files);
        }
    }

    private Checkpoint openFolder(Path path) throws CheckpointException {
        SourceFiles files = null;
        boolean ok = false;
        try {
            files = SourceFiles.forFolder(path);
            for (CheckpointReader reader : readers) {
                Optional<CheckpointReader.Opener> opener = reader.probeFolder(files);
                if (opener.isPresent()) {
                    Checkpoint c = opener.get().open(this);
                    ok = true;
                    return c;
                }
            }
            throw new CheckpointException(path, "is a folder that is not a TensorFlow SavedModel or a TF.js model"
                    + " (open a checkpoint file inside it instead)");
        } catch (Throwable e) {
            throw failure(path, e);
        } finally {
            if (!ok) closeQuietly(files);
        }
    }

    /** Any failure while opening, as one line naming the file. */
    private static CheckpointException failure(Path path, Throwable e) {
        if (e instanceof CheckpointException c) return c;
        if (e instanceof IOException) return new CheckpointException(path, e.getMessage() == null ? e.toString() : e.getMessage(), e);
        if (e instanceof OutOfMemoryError) return new CheckpointException(path, "needs more memory than is available to read its metadata", e);
        if (e instanceof StackOverflowError) return new CheckpointException(path, "objects nested too deeply");
        if (e instanceof RuntimeException) return new CheckpointException(path, "is malformed: " + e, e);
        return new CheckpointException(path, "could not be read (" + e + ")", e);
    }

    private static void closeQuietly(SourceFiles files) {
        if (files == null) return;
        try {
            files.close();
        } catch (IOException ignored) {
            // the open already failed; that error is the one to report
        }
    }

    /**
     * What an unrecognised file looks like, in words: never its content (a refused file may be
     * anything, a link to a secret included).
     */
    static String describeHead(byte[] head) {
        boolean text = head.length > 0;
        for (int i = 0; i < Math.min(head.length, 512); i++) {
            int c = head[i] & 0xff;
            if (c < 9 || (c > 13 && c < 32 && c != 27) || c == 0x7f) {
                text = false;
                break;
            }
        }
        if (text) {
            try {
                java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(head, 0, Math.min(head.length, 512)));
            } catch (java.nio.charset.CharacterCodingException e) {
                text = false;
            }
        }
        return text ? "it looks like a text file" : "its first bytes match no format it knows";
    }
}
