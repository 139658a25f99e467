package io.weightbench.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.Formats;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.model.TensorSpec;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

/**
 * Writes a fixed checkpoint: the rules applied to the weights entry's keys, everything else kept.
 * Streamed (bounded memory; tensors stored as plain regions of the input are copied by the
 * kernel), written to a temporary file beside the output and checked: every storage's bytes are read
 * back from the file as soon as they are in it and their CRC-32 compared with the source's (computed
 * from the source, or as the input's zip directory records it), and at the end the file is opened
 * anew to check that each storage sits where it was written; forced to disk (from the start, in
 * steps, and finally) and only then renamed into place. Never overwrites its input.
 */
public final class Exporter {

    /** What the export did. */
    public record Result(Path output, String format, int weights, int tensors, long bytes, List<String> warnings) {}

    public enum Target {
        PTH, SAFETENSORS;

        public static Target of(Path out) throws CheckpointException {
            String n = out.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (n.endsWith(".safetensors")) return SAFETENSORS;
            if (n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".bin") || n.endsWith(".ckpt") || n.endsWith(".tar")) return PTH;
            throw new CheckpointException(out, "unknown output format: name it .pth / .pt / .bin / .ckpt (torch zip) or .safetensors");
        }
    }

    private Exporter() {}

    public static Result export(Checkpoint c, RuleSet rules, Path out) throws IOException {
        return export(c, rules, out, false);
    }

    /**
     * @param weightsOnly write only the fixed state_dict as the file's top level (.pth), leaving out
     *                    the epoch, optimizer state and everything else around the weights entry
     */
    public static Result export(Checkpoint c, RuleSet rules, Path out, boolean weightsOnly) throws IOException {
        return export(c, rules, out, weightsOnly, 0);
    }

    /**
     * @param shardSize for .safetensors: split into shards of at most this many bytes (a larger
     *                  tensor gets a shard of its own), named {@code <stem>-00001-of-0000N.safetensors},
     *                  with {@code <out>.index.json} as Hugging Face writes them; 0 for one file
     */
    public static Result export(Checkpoint c, RuleSet rules, Path out, boolean weightsOnly, long shardSize) throws IOException {
        return export(c, rules, out, weightsOnly, shardSize, Progress.none());
    }

    /**
     * @param progress grows by twice the bytes of the tensors (written, then read back); a cancel
     *                 ends the export with {@link java.util.concurrent.CancellationException}, its
     *                 temporary files deleted and nothing renamed into place
     */
    public static Result export(Checkpoint c, RuleSet rules, Path out, boolean weightsOnly, long shardSize, Progress progress) throws IOException {
        return export(c, rules, out, weightsOnly, shardSize, progress, List.of());
    }

    /**
     * @param otherInputs files read besides the checkpoint's own (the rules file): the output and
     *                    its temporary files may be none of them either
     */
    public static Result export(Checkpoint c, RuleSet rules, Path out, boolean weightsOnly, long shardSize, Progress progress,
                                List<Path> otherInputs) throws IOException {
        Target target = Target.of(out);
        if (shardSize > 0 && target != Target.SAFETENSORS) throw new CheckpointException(out, "--shard-size is for .safetensors output");
        Path output = out.toAbsolutePath().normalize();
        ExportFiles files = ExportFiles.of(c, otherInputs);
        files.requireNotInput(output);
        List<TensorEntry> weights = c.weights();
        Map<String, TensorEntry> fixed = withRules(weights, rules);

        long bytes = 0;
        for (TensorEntry t : fixed.values()) bytes += t.data().nbytes();
        progress.addTotal(2 * bytes);
        Path dir = output.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ExportFiles.failed(output, e, List.of());
        }
        long stale = ExportFiles.cleanStale(dir);
        if (shardSize > 0) return exportSharded(c, rules, output, fixed, weights.size(), shardSize, progress, files, stale);
        Path tmp = files.temporary(dir); // the writers create it (CREATE_NEW)
        List<String> warnings = new ArrayList<>();
        if (stale > 0) warnings.add(staleWarning(stale));
        Map<String, Region> regions;
        int total;
        try {
            if (target == Target.SAFETENSORS) {
                if (!c.weightsEntry().isEmpty() || c.tensors().size() != weights.size()) {
                    warnings.add("safetensors holds one flat dict: only the weights entry ("
                            + (c.weightsEntry().isEmpty() ? "top level" : c.weightsEntry()) + ") is written; "
                            + (c.tensors().size() - weights.size()) + " other tensors and all non-tensor entries are left out");
                }
                regions = writeSafetensors(tmp, fixed, rules, progress);
                total = fixed.size();
            } else {
                Object root = weightsOnly ? stateDict(fixed) : replaceWeights(c, fixed, warnings);
                PickleWriter pw = new PickleWriter();
                byte[] pickle = pw.pickle(root);
                for (String s : pw.skipped()) warnings.add("not written (cannot be stored safely for torch.load(weights_only=True)): " + s);
                regions = writeTorchZip(tmp, output, pickle, pw.storages(), progress);
                total = pw.storages().size();
                // storages shared by several weights are written once: account for the difference
                long written = 0;
                for (PickleWriter.StorageRecord r : pw.storages()) written += r.tensor().nbytes();
                progress.addTotal(2 * (written - bytes));
            }
            syncAndCheck(tmp, target, regions, progress);
            move(tmp, output);
            ExportFiles.syncFolder(dir);
        } catch (IOException e) {
            throw ExportFiles.failed(output, e, List.of(tmp));
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Result(output, target == Target.PTH ? "torch-zip" : "safetensors", fixed.size(), total, Files.size(output), warnings);
    }

    /**
     * The weights after the rules: new key -> tensor, each entry named by its new key (renamed,
     * dropped, transformed as lazy views or streamed conversions).
     */
    public static Map<String, TensorEntry> withRules(List<TensorEntry> weights, RuleSet rules) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, TensorEntry> byKey = new LinkedHashMap<>();
        for (TensorEntry t : weights) {
            specs.add(TensorSpec.of(t.key(), t.data().shape(), t.data().dtype()));
            byKey.put(t.key(), t);
        }
        RuleSet.Applied applied = rules.apply(specs);
        Map<String, TensorEntry> fixed = new LinkedHashMap<>();
        for (TensorSpec s : applied.tensors()) {
            TensorEntry source = byKey.get(applied.renamedFrom().get(s.key()));
            TensorData data = applied.data(s.key(), k -> byKey.get(k).data());
            // a tensor the rules add (add_tensor) has no source: a plain tensor, as state_dict() gives
            fixed.put(s.key(), source == null ? new TensorEntry(List.of(s.key()), data, false)
                    : new TensorEntry(List.of(s.key()), data, source.parameter(), source.info()));
        }
        return fixed;
    }

    private static String staleWarning(long bytes) {
        return "removed temporary files of killed exports beside the output (" + bytes + " bytes)";
    }

    /**
     * All shards and the index are written and checked under temporary names first; then the old
     * index (if any) is deleted, the shards renamed into place, and the index renamed last, the
     * folder forced to disk after it. A crash between the renames leaves shards without an index:
     * no sharded checkpoint, never an index naming a half-written set (docs/formats.md).
     */
    private static Result exportSharded(Checkpoint c, RuleSet rules, Path output, Map<String, TensorEntry> fixed, int weightCount,
                                        long shardSize, Progress progress, ExportFiles files, long stale) throws IOException {
        List<Map<String, TensorEntry>> shards = new ArrayList<>();
        Map<String, TensorEntry> current = new LinkedHashMap<>();
        long bytes = 0;
        for (Map.Entry<String, TensorEntry> e : fixed.entrySet()) {
            long n = e.getValue().data().nbytes();
            if (!current.isEmpty() && bytes + n > shardSize) {
                shards.add(current);
                current = new LinkedHashMap<>();
                bytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            bytes += n;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
        String name = output.getFileName().toString();
        String stem = name.substring(0, name.length() - ".safetensors".length());
        Path dir = output.getParent();
        Path index = dir.resolve(name + ".index.json");
        List<Path> finals = new ArrayList<>();
        List<Path> temps = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (!c.weightsEntry().isEmpty() || c.tensors().size() != weightCount) {
            warnings.add("safetensors holds flat dicts: only the weights entry is written");
        }
        if (stale > 0) warnings.add(staleWarning(stale));
        files.requireNotInput(index);
        long total = 0;
        List<Path> renamed = new ArrayList<>();
        try {
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode idx = mapper.createObjectNode();
            com.fasterxml.jackson.databind.node.ObjectNode weightMap = mapper.createObjectNode();
            for (int i = 0; i < shards.size(); i++) {
                Path fin = dir.resolve(String.format("%s-%05d-of-%05d.safetensors", stem, i + 1, shards.size()));
                files.requireNotInput(fin);
                Path tmp = files.temporary(dir);
                temps.add(tmp);
                finals.add(fin);
                syncAndCheck(tmp, Target.SAFETENSORS, writeSafetensors(tmp, shards.get(i), rules, progress), progress);
                for (Map.Entry<String, TensorEntry> e : shards.get(i).entrySet()) {
                    weightMap.put(e.getKey(), fin.getFileName().toString());
                    total += e.getValue().data().nbytes();
                }
            }
            idx.putObject("metadata").put("total_size", total).put("format", "pt");
            idx.set("weight_map", weightMap);
            Path tmpIndex = files.temporary(dir);
            temps.add(tmpIndex);
            try (java.io.OutputStream o = Files.newOutputStream(tmpIndex, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                mapper.writerWithDefaultPrettyPrinter().writeValue(o, idx);
            }
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmpIndex, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.deleteIfExists(index); // from here until the new index is in place, the folder holds no sharded checkpoint
            ExportFiles.syncFolder(dir);
            for (int i = 0; i < finals.size(); i++) {
                move(temps.get(i), finals.get(i));
                renamed.add(finals.get(i));
                if (i == 0) CrashTest.pauseAfterFirstShardRename();
            }
            move(tmpIndex, index);
            ExportFiles.syncFolder(dir);
            renamed.clear();
            long old = files.removeOtherShards(dir, stem, finals);
            if (old > 0) warnings.add("removed shards of an earlier export to " + name + " that the new index does not name (" + old + " bytes)");
        } catch (IOException e) {
            throw ExportFiles.failed(index, e, temps);
        } finally {
            for (Path r : renamed) Files.deleteIfExists(r); // a failed rename: shards without an index are no checkpoint
            for (Path t : temps) Files.deleteIfExists(t);
        }
        try (Checkpoint back = Formats.standard().open(index)) {
            if (back.tensors().size() != fixed.size()) throw new IOException("verification failed: the index lists " + back.tensors().size() + " tensors");
        }
        return new Result(index, "safetensors-sharded", fixed.size(), fixed.size(), total, warnings);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Parses {@code 5GB}, {@code 500MB}, {@code 2GiB}, {@code 1000000}: decimal units as Hugging Face uses them, binary with an i. */
    public static long parseSize(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\\s*").matcher(text);
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 5GB, 500MB, 2GiB)");
        double v = Double.parseDouble(m.group(1));
        String u = m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT);
        double f = switch (u) {
            case "kb" -> 1e3;
            case "mb" -> 1e6;
            case "gb" -> 1e9;
            case "tb" -> 1e12;
            case "kib" -> 1024.0;
            case "mib" -> 1024.0 * 1024;
            case "gib" -> 1024.0 * 1024 * 1024;
            case "tib" -> 1024.0 * 1024 * 1024 * 1024;
            default -> 1;
        };
        long bytes = (long) (v * f);
        if (bytes <= 0) throw new IllegalArgumentException("'" + text + "' is not a positive size");
        return bytes;
    }

    /** The original object tree with the weights entry replaced by the fixed state_dict (shallow copies along the path). */
    private static PyDict stateDict(Map<String, TensorEntry> fixed) {
        PyDict sd = new PyDict("collections.OrderedDict");
        for (Map.Entry<String, TensorEntry> e : fixed.entrySet()) sd.put(e.getKey(), new TensorValue(e.getValue().data(), false));
        return sd;
    }

    private static Object replaceWeights(Checkpoint c, Map<String, TensorEntry> fixed, List<String> warnings) {
        PyDict sd = stateDict(fixed);
        List<String> path = c.weightsEntryPath();
        if (path.isEmpty()) {
            if (!(c.root() instanceof PyDict)) warnings.add("the top level was a " + describe(c.root()) + "; it is written as its state_dict");
            return sd;
        }
        if (!(c.root() instanceof PyDict root)) {
            warnings.add("the top level was a " + describe(c.root()) + "; only the weights entry is written");
            return sd;
        }
        PyDict copy = shallowCopy(root);
        PyDict node = copy;
        for (int i = 0; i < path.size(); i++) {
            Object k = keyOf(node, path.get(i));
            if (i == path.size() - 1) {
                node.put(k, sd);
            } else {
                Object child = node.get(k);
                if (!(child instanceof PyDict d)) {
                    node.put(k, sd);
                    warnings.add("the weights entry sat inside a " + describe(child) + "; it is written as a dict");
                    break;
                }
                PyDict childCopy = shallowCopy(d);
                node.put(k, childCopy);
                node = childCopy;
            }
        }
        return copy;
    }

    private static Object keyOf(PyDict d, String text) {
        for (Object k : d.keySet()) if (io.weightbench.format.pickle.PyValues.keyText(k).equals(text)) return k;
        return text;
    }

    private static PyDict shallowCopy(PyDict d) {
        PyDict c = new PyDict(d.typeName());
        c.putAll(d);
        return c;
    }

    private static String describe(Object o) {
        return io.weightbench.format.pickle.PyValues.describe(o);
    }

    /**
     * Where a storage was written in the output and what it must hold: {@code expected} is the
     * CRC-32 of the source's bytes (computed from them, or as the input's zip directory records it),
     * {@code readBack} the CRC-32 of the output's bytes there, read back from the file.
     */
    private record Region(long start, long size, Future<Long> expected, Future<Long> readBack) {}

    /**
     * Writes the torch zip. Each storage's bytes are read back from the file and checksummed on the
     * checksum thread as soon as they are written, while the next ones are copied; a storage that is
     * a whole stored entry of an input torch zip is checked against the CRC-32 that archive records
     * for it, so its source bytes are never read (the kernel copies them).
     */
    private static Map<String, Region> writeTorchZip(Path tmp, Path output, byte[] pickle, List<PickleWriter.StorageRecord> storages,
                                                     Progress progress) throws IOException {
        String top = topFolder(output);
        Map<String, Region> regions = new LinkedHashMap<>();
        try (Checksums checksums = new Checksums(); ZipWriter zip = new ZipWriter(tmp); BackgroundSync sync = new BackgroundSync(zip.channel())) {
            zip.add(top + "/data.pkl", pickle);
            zip.add(top + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (PickleWriter.StorageRecord r : storages) {
                String name = top + "/data/" + r.name();
                TensorData t = r.tensor();
                Future<Long> expected;
                if (CanonicalBytes.kernelCopies(t)) {
                    expected = checksums.expected(t);
                    zip.addCopy(name, t, expected);
                    progress.worked(t.nbytes());
                } else {
                    // streamed chunk by chunk: a view larger than its storage shows its progress and can be cancelled midway
                    long crc = zip.add(name, t.nbytes(), sink -> CanonicalBytes.streamBuffers(t, sink::write, progress));
                    expected = CompletableFuture.completedFuture(crc);
                }
                long start = zip.lastDataStart();
                regions.put(r.name(), new Region(start, t.nbytes(), expected, checksums.region(zip.channel(), start, t.nbytes())));
                sync.written(t.nbytes());
            }
            zip.add(top + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            zip.finish();
            for (Map.Entry<String, Region> e : regions.entrySet()) Checksums.await(e.getValue().readBack(), "reading back " + e.getKey());
            return regions;
        }
    }

    /** The CRC-32 an input zip records for a tensor that is all of one of its stored entries. */
    private static java.util.OptionalLong recordedCrc(TensorData t) {
        if (t.storageOffset() != 0 || t.nbytes() != t.storage().bytes().size()) return java.util.OptionalLong.empty();
        return t.storage().bytes().crc32();
    }

    /**
     * Forces the written file to disk while checking it: read anew (torch zip: zip directory and
     * data.pkl; safetensors: header), every storage (torch zip) or tensor (safetensors) must be
     * the one written, where it was written, with the CRC-32 of its source in the zip directory and
     * in the bytes read back there.
     */
    private static void syncAndCheck(Path tmp, Target target, Map<String, Region> regions, Progress progress) throws IOException {
        try (Checksums background = new Checksums(); FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            Future<Void> sync = background.run(() -> {
                ch.force(true);
                return null;
            });
            try (Checkpoint back = Formats.standard().open(tmp)) {
                Map<String, io.weightbench.tensor.ByteSource> read = new LinkedHashMap<>();
                for (TensorEntry t : back.tensors()) {
                    read.put(target == Target.SAFETENSORS ? t.key() : t.data().storage().key(), t.data().storage().bytes());
                }
                if (!read.keySet().equals(regions.keySet())) {
                    throw new IOException("verification failed: wrote " + abbreviate(regions.keySet()) + " but read back " + abbreviate(read.keySet()));
                }
                for (Map.Entry<String, Region> e : regions.entrySet()) {
                    Region r = e.getValue();
                    io.weightbench.tensor.ByteSource b = read.get(e.getKey());
                    long expected = Checksums.await(r.expected(), e.getKey());
                    java.util.OptionalLong at = b.fileOffset();
                    java.util.OptionalLong recorded = b.crc32();
                    if (at.isEmpty() || at.getAsLong() != r.start() || b.size() != r.size() || (recorded.isPresent() && recorded.getAsLong() != expected)) {
                        throw new IOException("verification failed: " + e.getKey() + " is not where it was written");
                    }
                    if (Checksums.await(r.readBack(), e.getKey()) != expected) {
                        throw new IOException("verification failed: " + e.getKey() + " reads back differently (if it was copied whole"
                                + " from a zip entry of the input, the input's data may not match the CRC-32 its own zip directory records)");
                    }
                    progress.worked(r.size());
                }
            }
            Checksums.await(sync, "writing " + tmp + " to disk");
        }
    }

    private static String abbreviate(java.util.Collection<String> names) {
        List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(names));
        return sorted.size() <= 5 ? sorted.toString() : sorted.subList(0, 5) + " and " + (sorted.size() - 5) + " more";
    }

    private static final class Checksums implements AutoCloseable {
        private final ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "weightbench-checksums");
            t.setDaemon(true);
            return t;
        });

        /** The pool's one thread's reader. */
        private final ReadBack readBack = new ReadBack();

        Future<Long> of(TensorData t) {
            return pool.submit(() -> crc32(t));
        }

        /**
         * The CRC-32 a kernel-copied tensor must have in the output: as the input's zip directory
         * records it when the tensor is a whole stored entry (never read here), otherwise computed
         * from the source on this thread.
         */
        Future<Long> expected(TensorData t) {
            java.util.OptionalLong recorded = recordedCrc(t);
            return recorded.isPresent() ? CompletableFuture.completedFuture(recorded.getAsLong()) : of(t);
        }

        /** The CRC-32 of {@code size} bytes of a file at {@code start}, read back from it. */
        Future<Long> region(FileChannel ch, long start, long size) {
            return pool.submit(() -> readBack.crc32(ch, start, size));
        }

        <T> Future<T> run(Callable<T> task) {
            return pool.submit(task);
        }

        static <T> T await(Future<T> f, String what) throws IOException {
            try {
                return f.get();
            } catch (ExecutionException x) {
                if (x.getCause() instanceof IOException io) throw io;
                throw new IOException(what + ": " + x.getCause(), x.getCause());
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while " + what);
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    /** torch names the archive's folder after the file; keep it a plain name. */
    static String topFolder(Path output) {
        String n = output.getFileName().toString();
        int dot = n.indexOf('.');
        String stem = dot > 0 ? n.substring(0, dot) : n;
        String clean = stem.replaceAll("[^A-Za-z0-9_-]", "_");
        return clean.isEmpty() ? "archive" : clean;
    }

    private static Map<String, Region> writeSafetensors(Path tmp, Map<String, TensorEntry> fixed, RuleSet rules, Progress progress) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        long offset = 0;
        try (JsonGenerator g = new JsonFactory().createGenerator(header)) {
            g.writeStartObject();
            g.writeObjectFieldStart("__metadata__");
            g.writeStringField("format", "pt");
            g.writeStringField("weightbench_rules", rules.toJson().toString());
            g.writeEndObject();
            for (Map.Entry<String, TensorEntry> e : fixed.entrySet()) {
                TensorData t = e.getValue().data();
                String code = t.dtype().safetensorsCode().orElseThrow(() -> new IOException(
                        "tensor " + e.getKey() + " is " + t.dtype() + ", which safetensors cannot store"
                        + (t.dtype().isBlockQuantized() ? " (nor can torch: add a cast rule to float32, float16 or bfloat16)" : " (export to .pth instead)")));
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("dtype", code);
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + t.nbytes());
                g.writeEndArray();
                g.writeEndObject();
                offset += t.nbytes();
            }
            g.writeEndObject();
        }
        byte[] h = header.toByteArray();
        int pad = (8 - h.length % 8) % 8;
        Map<String, Region> regions = new LinkedHashMap<>();
        try (Checksums checksums = new Checksums();
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
             BackgroundSync sync = new BackgroundSync(ch)) {
            ByteBuffer start = ByteBuffer.allocate(8 + h.length + pad).order(ByteOrder.LITTLE_ENDIAN);
            start.putLong(h.length + pad).put(h);
            for (int i = 0; i < pad; i++) start.put((byte) ' ');
            start.flip();
            while (start.hasRemaining()) ch.write(start);
            for (Map.Entry<String, TensorEntry> e : fixed.entrySet()) {
                TensorData t = e.getValue().data();
                long at = ch.position();
                Future<Long> expected;
                if (CanonicalBytes.kernelCopies(t)) {
                    expected = checksums.expected(t);
                    CanonicalBytes.transferTo(t, ch);
                    progress.worked(t.nbytes());
                } else {
                    CRC32 crc = new CRC32();
                    CanonicalBytes.streamBuffers(t, b -> {
                        crc.update(b.duplicate());
                        while (b.hasRemaining()) ch.write(b);
                    }, progress);
                    expected = CompletableFuture.completedFuture(crc.getValue());
                }
                if (ch.position() - at != t.nbytes()) throw new IOException("tensor " + e.getKey() + ": wrote " + (ch.position() - at) + " bytes, expected " + t.nbytes());
                regions.put(e.getKey(), new Region(at, t.nbytes(), expected, checksums.region(ch, at, t.nbytes())));
                sync.written(t.nbytes());
            }
            for (Map.Entry<String, Region> e : regions.entrySet()) Checksums.await(e.getValue().readBack(), "reading back " + e.getKey());
            return regions;
        }
    }




    private static long crc32(TensorData t) throws IOException {
        CRC32 crc = new CRC32();
        CanonicalBytes.streamBuffers(t, crc::update);
        return crc.getValue();
    }
}
