package io.weightbench.export;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of one export: what it reads (every file the checkpoint was read from, shards, external
 * data and the rules file), compared by real identity (symbolic and hard links resolved), so that
 * no output or temporary file can be one of them; its temporary files, named
 * {@code .weightbench-<pid>-<random>.partial} beside the output (short whatever the output's name);
 * and the cleaning of such files that a killed export left behind.
 */
final class ExportFiles {

    /** Our temporary files, and only ours: the process id tells whether their writer still runs. */
    static final Pattern PARTIAL = Pattern.compile("\\.weightbench-(\\d{1,19})-([0-9a-f]{16})\\.partial");

    private static final long STARTED = ProcessHandle.current().info().startInstant()
            .map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis());

    /** File identity -> the input as the user named it. */
    private final Map<Object, Path> inputs = new LinkedHashMap<>();

    private ExportFiles() {}

    static ExportFiles of(Checkpoint c, List<Path> otherInputs) throws IOException {
        ExportFiles f = new ExportFiles();
        List<Path> all = new ArrayList<>(c.inputs());
        all.add(c.file());
        all.addAll(otherInputs);
        for (Path p : all) {
            Object key = identity(p);
            if (key != null) f.inputs.putIfAbsent(key, p);
        }
        return f;
    }

    /**
     * A file's identity after links: its file key (device and inode where the system has them),
     * else its real path; null when it does not exist.
     */
    static Object identity(Path p) throws IOException {
        if (p == null || !Files.exists(p)) return null;
        Object key = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        return key != null ? key : p.toRealPath();
    }

    /** Refuses {@code candidate} (an output or temporary file) when it is, or links to, a file the export reads. */
    void requireNotInput(Path candidate) throws IOException {
        Object key = identity(candidate);
        Path input = key == null ? null : inputs.get(key);
        if (input == null && !Files.exists(candidate) && Files.isSymbolicLink(candidate)) {
            input = candidate; // a dangling link: writing through it would create a file elsewhere
        }
        if (input != null) {
            throw new CheckpointException(candidate, "is " + (input.equals(candidate) ? "an input" : "the same file as the input " + input)
                    + " of this export: an export never overwrites what it reads");
        }
    }

    /** Whether {@code p} is, or links to, a file the export reads. */
    boolean isInput(Path p) throws IOException {
        Object key = identity(p);
        return key != null && inputs.containsKey(key);
    }

    /**
     * Shards of an earlier sharded export to the same name ({@code stem-NNNNN-of-NNNNN.safetensors}
     * in {@code dir}) that are not among {@code keep} and not read by this export: left by an export
     * of another shard count, or by one killed while its shards were being renamed (docs/cli-json.md).
     * Deleted (Hugging Face's save_pretrained cleans its folder the same way); returns their bytes.
     */
    long removeOtherShards(Path dir, String stem, java.util.Collection<Path> keep) {
        Pattern shard = Pattern.compile(Pattern.quote(stem) + "-\\d{5}-of-\\d{5}\\.safetensors");
        long freed = 0;
        try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
            for (Path p : list) {
                if (!shard.matcher(p.getFileName().toString()).matches() || keep.contains(p) || isInput(p)) continue;
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()) continue;
                Files.deleteIfExists(p);
                freed += a.size();
            }
        } catch (IOException e) {
            // cleaning is a courtesy: the new checkpoint is complete already
        }
        return freed;
    }

    /** A new temporary file's name beside {@code output}, checked against the inputs; not created. */
    Path temporary(Path dir) throws IOException {
        Path tmp;
        do {
            tmp = dir.resolve(".weightbench-" + ProcessHandle.current().pid() + "-"
                    + String.format("%016x", ThreadLocalRandom.current().nextLong()) + ".partial");
        } while (Files.exists(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        requireNotInput(tmp);
        return tmp;
    }

    /**
     * Deletes the temporary files of exports killed in {@code dir}: our naming pattern only, whose
     * writing process no longer runs, and older than this process. Returns their total size.
     */
    static long cleanStale(Path dir) {
        long freed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".weightbench-*.partial")) {
            for (Path p : files) {
                Matcher m = PARTIAL.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile() || a.lastModifiedTime().toMillis() >= STARTED) continue;
                Files.deleteIfExists(p);
                freed += a.size();
            }
        } catch (IOException e) {
            // cleaning is a courtesy: an unreadable folder fails the export itself soon enough
        }
        return freed;
    }

    /**
     * What an I/O failure while writing {@code output} tells the user: the output, what was being
     * done (creating its folder, creating a temporary file beside it, writing, renaming into place)
     * and the system's reason ("No space left on device", "Read-only file system", "File too large").
     * A failure that names its file already (refusals) passes as it is.
     */
    static IOException failed(Path output, IOException e, java.util.Collection<Path> temps) {
        if (e instanceof CheckpointException) return e;
        String operation = "writing it";
        String reason = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fs) {
            reason = fs.getReason() != null ? fs.getReason()
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "no such file or folder" : e.getClass().getSimpleName();
            Path file = fs.getFile() == null ? null : Path.of(fs.getFile());
            if (fs.getOtherFile() != null) operation = "renaming the finished file into place";
            else if (file != null && temps.contains(file)) operation = "creating a temporary file beside it";
            else if (file != null && output.startsWith(file)) operation = "creating its folder " + file;
        }
        if (reason == null || reason.isBlank()) reason = e.getClass().getSimpleName();
        return new CheckpointException(output, "cannot be written: " + operation + " failed ("
                + Character.toLowerCase(reason.charAt(0)) + reason.substring(1) + ")", e);
    }

    /** Forces a folder's entries (a rename into it) to disk; where the system cannot, nothing. */
    static void syncFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a folder as a channel; its renames are durable with the file's own flush
        }
    }
}
