package io.weightbench.format;

import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What readers look at to decide whether a file is theirs: its first bytes and, for zip files,
 * the central directory (read once, shared by every zip-based reader).
 */
public final class Probe {

    static final int HEAD = 4096;

    private final Path path;
    private final MappedFile file;
    private final byte[] head;
    private ZipArchive zip;
    private boolean zipTried;

    Probe(Path path, MappedFile file) throws IOException {
        this.path = path;
        this.file = file;
        int n = (int) Math.min(HEAD, file.size());
        this.head = new byte[n];
        file.read(0, head, 0, n);
    }

    public Path path() { return path; }

    public MappedFile file() { return file; }

    public byte[] head() { return head.clone(); }

    public boolean startsWith(byte... prefix) {
        if (head.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (head[i] != prefix[i]) return false;
        return true;
    }

    public int headByte(int i) { return i < head.length ? head[i] & 0xff : -1; }

    /** The zip directory, if the file starts like a zip; a corrupt directory is an error. */
    public Optional<ZipArchive> zip() throws IOException {
        if (!zipTried) {
            zipTried = true;
            if (ZipArchive.looksLikeZip(head)) zip = ZipArchive.open(path, file);
        }
        return Optional.ofNullable(zip);
    }
}
