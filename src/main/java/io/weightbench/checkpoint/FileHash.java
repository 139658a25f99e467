package io.weightbench.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The SHA-256 of a file's bytes, as {@code sha256sum} prints it and as timm and torch.hub check a
 * download against a {@code hash_prefix} (the hex digest starts with the prefix).
 */
public final class FileHash {

    private FileHash() {}

    public static String sha256(Path file) throws IOException {
        return sha256(file, io.weightbench.tensor.Progress.none());
    }

    /** The same, reporting each mebibyte read to {@code progress} and stopping (CancellationException) once it is cancelled. */
    public static String sha256(Path file, io.weightbench.tensor.Progress progress) throws IOException {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "is not a single file: a file hash needs one file");
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            progress.addTotal(ch.size());
            int n;
            while ((n = ch.read(buf)) >= 0) {
                progress.worked(n);
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A hash prefix as the user gave it, in lower case; refuses anything but 1 to 64 hex digits. */
    public static String prefix(String given) {
        String p = given.toLowerCase(Locale.ROOT);
        if (!p.matches("[0-9a-f]{1,64}")) throw new IllegalArgumentException("'" + given + "' is not a hash prefix (1 to 64 hex digits)");
        return p;
    }
}
