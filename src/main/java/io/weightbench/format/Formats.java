package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens any checkpoint: asks each reader in turn whether the file is theirs (by content, never by
 * extension) and lets the first that says yes open it. Every failure becomes a
 * {@link CheckpointException} naming the file and the problem.
 */
public final class Formats {

    private final List<CheckpointReader> readers;

    public Formats(List<CheckpointReader> readers) {
        this.readers = List.copyOf(readers);
    }

    public static Formats standard() {
        return new Formats(List.of(
                new TorchZipReader(),
                new NpzReader(),
                new TorchLegacyReader(),
                new SafetensorsReader(),
                new NpyReader(),
                new ShardedIndexReader(),
                new PlainPickleReader(),
                new RefusedFormats()));
    }

    public Checkpoint open(Path path) throws CheckpointException {
        if (Files.isDirectory(path)) throw new CheckpointException(path, "is a folder, not a checkpoint file");
        if (!Files.isRegularFile(path)) throw new CheckpointException(path, "no such file");
        if (!Files.isReadable(path)) throw new CheckpointException(path, "cannot be read (permissions)");
        MappedFile file = null;
        boolean ok = false;
        try {
            file = new MappedFile(path);
            if (file.size() == 0) throw new CheckpointException(path, "is empty (0 bytes)");
            Probe probe = new Probe(path, file);
            for (CheckpointReader reader : readers) {
                if (reader.probe(probe)) {
                    Checkpoint c = reader.open(probe, this);
                    ok = true;
                    return c;
                }
            }
            throw new CheckpointException(path, "not a checkpoint format Weightbench reads (" + describeHead(probe.head()) + ")");
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(path, e.getMessage() == null ? e.toString() : e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new CheckpointException(path, "needs more memory than is available to read its metadata", e);
        } catch (StackOverflowError e) {
            throw new CheckpointException(path, "objects nested too deeply");
        } catch (RuntimeException e) {
            throw new CheckpointException(path, "is malformed: " + e, e);
        } finally {
            if (!ok && file != null) {
                try {
                    file.close();
                } catch (IOException ignored) {
                    // the open already failed; that error is the one to report
                }
            }
        }
    }

    static String describeHead(byte[] head) {
        int n = Math.min(head.length, 16);
        boolean text = true;
        for (int i = 0; i < Math.min(head.length, 512); i++) {
            int c = head[i] & 0xff;
            if (c < 9 || (c > 13 && c < 32 && c != 27)) {
                text = false;
                break;
            }
        }
        if (text) {
            String s = new String(head, 0, Math.min(head.length, 40), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
            return "it looks like text, starting \"" + s + "\"";
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < n; i++) hex.append(String.format("%02x", head[i] & 0xff));
        return "it starts with bytes " + hex;
    }
}
