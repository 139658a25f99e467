package io.weightbench.format;

import io.weightbench.tensor.MappedFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files one source is read from: the file (or folder) the user named and the siblings its
 * format refers to (shards, external data, weight files). A sibling is named relative to the
 * source's folder and must stay inside it, also after following links; each real file is opened
 * once. The checkpoint closes them all. Error messages name files, never echo their content.
 */
public final class SourceFiles implements io.weightbench.checkpoint.Checkpoint.InputFiles {

    /** More files than any real checkpoint has; beyond it an index is refused, not a file-handle limit hit. */
    static final int MAX_FILES = 4096;

    private final Path named;
    private final Path folder;
    private final Path realFolder;
    private final Path mainPath;
    private final MappedFile main;
    private final Map<Path, MappedFile> opened = new LinkedHashMap<>();

    private SourceFiles(Path named, Path folder, Path mainPath, MappedFile main) throws IOException {
        this.named = named;
        this.folder = folder;
        this.realFolder = folder.toRealPath();
        this.mainPath = mainPath;
        this.main = main;
        if (main != null) opened.put(mainPath.toRealPath(), main);
    }

    /** A source that is one file (and perhaps its siblings). */
    static SourceFiles forFile(Path file) throws IOException {
        MappedFile f = MappedFile.reopenable(file);
        try {
            Path parent = file.toAbsolutePath().getParent();
            return new SourceFiles(file, parent == null ? file.toAbsolutePath().getRoot() : parent, file, f);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** A source that is a folder (a SavedModel, a TF.js model folder). */
    static SourceFiles forFolder(Path folder) throws IOException {
        return new SourceFiles(folder, folder.toAbsolutePath(), null, null);
    }

    /** The file the user named; a folder source has none. */
    public MappedFile main() {
        if (main == null) throw new IllegalStateException(folder + " is a folder source");
        return main;
    }

    /** The file or folder as the user named it (for messages and the checkpoint's name). */
    public Path named() { return named; }

    /** The source's folder: the named file's folder, or the named folder. */
    public Path folder() { return folder; }

    /**
     * A sibling's path, checked: relative, inside the folder (no {@code ..} out of it), and if it
     * exists, not a link that leads out of it.
     */
    public Path path(String name) throws FormatException {
        if (name.isEmpty() || name.indexOf('\0') >= 0) throw new FormatException("refers to a file with an empty or invalid name");
        Path rel;
        try {
            rel = folder.getFileSystem().getPath(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw new FormatException("refers to a file with an invalid name ('" + shorten(name) + "')");
        }
        if (rel.isAbsolute()) throw new FormatException("refers to '" + shorten(name) + "', an absolute path (only files beside it are read)");
        Path p = folder.resolve(rel).normalize();
        if (!p.startsWith(folder.normalize())) throw new FormatException("refers to '" + shorten(name) + "', which lies outside its folder " + folder);
        Path shown = shownFolder().resolve(rel).normalize();
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (!p.toRealPath().startsWith(realFolder)) {
                    throw new FormatException("refers to '" + shorten(name) + "', a link to a file outside its folder " + folder + " (not read)");
                }
            } catch (FormatException e) {
                throw e;
            } catch (IOException e) {
                throw new FormatException("refers to '" + shorten(name) + "', which cannot be resolved (" + e.getMessage() + ")");
            }
        }
        return shown;
    }

    /** The folder as the user's path names it (relative stays relative), for the paths shown. */
    private Path shownFolder() {
        if (mainPath == null) return named;
        Path parent = named.getParent();
        return parent != null ? parent : named.getFileSystem().getPath("");
    }

    /** Whether a sibling exists as a regular file inside the folder. */
    public boolean exists(String name) {
        try {
            return Files.isRegularFile(path(name));
        } catch (FormatException e) {
            return false;
        }
    }

    /** Opens a sibling (once per real file; later calls return the same file). */
    public MappedFile open(String name) throws IOException {
        Path p = path(name);
        if (!Files.isRegularFile(p)) {
            throw new FormatException("refers to '" + shorten(name) + "', " + (Files.exists(p) ? "which is not a regular file" : "which is not in " + folder));
        }
        Path real = p.toRealPath();
        MappedFile f = opened.get(real);
        if (f != null) return f;
        if (opened.size() >= MAX_FILES) throw new FormatException("refers to more than " + MAX_FILES + " files");
        if (!Files.isReadable(p)) throw new FormatException("refers to '" + shorten(name) + "', which cannot be read (permissions)");
        f = MappedFile.reopenable(p);
        opened.put(real, f);
        return f;
    }

    /** Every file opened so far, the named file first. */
    public List<Path> paths() {
        List<Path> out = new ArrayList<>();
        for (MappedFile f : opened.values()) out.add(f.path());
        return out;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (MappedFile f : opened.values()) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    private static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    @Override
    public String toString() { return mainPath != null ? mainPath.toString() : folder.toString(); }
}
