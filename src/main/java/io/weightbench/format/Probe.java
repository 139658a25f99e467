package io.weightbench.format;

import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What readers look at to decide whether a file is theirs: its first bytes and, for zip files,
 * the central directory (read once, shared by every zip-based reader). Siblings the file refers to
 * are opened through {@link #files()}.
 */
public final class Probe {

    static final int HEAD = 4096;

    private final Path path;
    private final MappedFile file;
    private final SourceFiles files;
    private final byte[] head;
    private ZipArchive zip;
    private boolean zipTried;
    private com.fasterxml.jackson.databind.JsonNode json;
    private boolean jsonTried;

    /** JSON files (an index, a TF.js model.json) are read whole; larger ones are not JSON this program reads. */
    static final long MAX_JSON = 64L * 1024 * 1024;

    Probe(Path path, SourceFiles files) throws IOException {
        this.path = path;
        this.files = files;
        this.file = files.main();
        int n = (int) Math.min(HEAD, file.size());
        this.head = new byte[n];
        file.read(0, head, 0, n);
    }

    public Path path() { return path; }

    public MappedFile file() { return file; }

    /** This file and the siblings a reader opens beside it; the checkpoint takes them as its resource. */
    public SourceFiles files() { return files; }

    public byte[] head() { return head.clone(); }

    /** The number of head bytes available (at most 4096; fewer for a short file). */
    public int headLength() { return head.length; }

    public boolean startsWith(byte... prefix) {
        if (head.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (head[i] != prefix[i]) return false;
        return true;
    }

    public int headByte(int i) { return i >= 0 && i < head.length ? head[i] & 0xff : -1; }

    /**
     * The file parsed as a JSON object, if it is one (parsed once, shared by every reader that
     * reads JSON); empty for anything else, including malformed JSON and files over 64 MiB.
     */
    public Optional<com.fasterxml.jackson.databind.JsonNode> json() throws IOException {
        if (!jsonTried) {
            jsonTried = true;
            int i = 0;
            while (i < head.length && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) i++;
            if (i < head.length && head[i] == '{' && file.size() <= MAX_JSON) {
                byte[] all = new byte[(int) file.size()];
                file.read(0, all, 0, all.length);
                try {
                    com.fasterxml.jackson.databind.JsonNode n = io.weightbench.json.JsonTree.read(all);
                    if (n.isObject()) json = n;
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    json = null;
                }
            }
        }
        return Optional.ofNullable(json);
    }

    /** The zip directory, if the file starts like a zip; a corrupt directory is an error. */
    public Optional<ZipArchive> zip() throws IOException {
        if (!zipTried) {
            zipTried = true;
            if (ZipArchive.looksLikeZip(head)) zip = ZipArchive.open(path, file);
        }
        return Optional.ofNullable(zip);
    }
}
