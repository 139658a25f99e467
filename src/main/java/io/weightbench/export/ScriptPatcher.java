package io.weightbench.export;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.ZipArchive;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A copy of a TorchScript archive with some of its parameters and buffers replaced: every entry is
 * copied as it is, except the storages of the replaced tensors, whose bytes are rewritten at each
 * tensor's offset and strides. That is how weights reach a TorchScript model's buffers too, which
 * libtorch's module API (and so DJL) cannot set.
 */
public final class ScriptPatcher {

    /** Storages above this size are refused (they are rewritten in memory). */
    static final long MAX_STORAGE = Integer.MAX_VALUE - 64;

    /**
     * How a set of weights fits a TorchScript model.
     *
     * @param matched    keys of both, same shape and dtype: they will be replaced
     * @param missing    the model's keys without a weight: they keep the model's own values
     * @param unexpected weights the model has no key for
     * @param mismatched keys whose shape or dtype differs, with both: they keep the model's own values
     */
    public record Plan(List<String> matched, List<String> missing, List<String> unexpected, List<String> mismatched) {
        public boolean complete() { return missing.isEmpty() && mismatched.isEmpty(); }
    }

    private ScriptPatcher() {}

    public static Plan plan(Checkpoint script, List<TensorEntry> weights) throws CheckpointException {
        requireScript(script);
        Map<String, TensorData> given = new LinkedHashMap<>();
        for (TensorEntry t : weights) given.put(t.key(), t.data());
        List<String> matched = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (TensorEntry t : script.tensors()) {
            TensorData w = given.remove(t.key());
            if (w == null) {
                missing.add(t.key());
            } else if (!Arrays.equals(w.shape(), t.data().shape()) || w.dtype() != t.data().dtype()) {
                mismatched.add(t.key() + ": model " + t.data().dtype().torchName() + Arrays.toString(t.data().shape())
                        + ", weights " + w.dtype().torchName() + Arrays.toString(w.shape()));
            } else {
                matched.add(t.key());
            }
        }
        return new Plan(matched, missing, new ArrayList<>(given.keySet()), mismatched);
    }

    /** Writes {@code out}: the script archive with the matched tensors of {@code weights} in place of its own. */
    public static Plan write(Checkpoint script, List<TensorEntry> weights, Path out) throws IOException {
        Plan plan = plan(script, weights);
        Map<String, TensorData> given = new LinkedHashMap<>();
        for (TensorEntry t : weights) given.put(t.key(), t.data());
        // storage key -> (script tensor, new values) to write into it
        Map<String, List<TensorData[]>> byStorage = new LinkedHashMap<>();
        for (String k : plan.matched()) {
            TensorData mine = script.tensor(k).orElseThrow().data();
            byStorage.computeIfAbsent(mine.storage().key(), x -> new ArrayList<>()).add(new TensorData[] {mine, given.get(k)});
        }
        String top = script.metadata().getOrDefault("archive_folder", "archive");
        String prefix = top.isEmpty() ? "" : top + "/";
        try (MappedFile file = new MappedFile(script.file()); ZipWriter zip = new ZipWriter(out)) {
            ZipArchive archive = ZipArchive.open(script.file(), file);
            for (ZipArchive.Entry e : archive.entries().values()) {
                String name = e.name();
                List<TensorData[]> patches = name.startsWith(prefix + "data/") ? byStorage.get(name.substring(prefix.length() + 5)) : null;
                ByteSource src = archive.bytes(e);
                if (patches == null) {
                    zip.add(name, src.size(), sink -> copy(src, sink));
                } else if (wholeStorage(patches, src.size())) {
                    // the usual case: one tensor fills the storage; its new bytes are streamed, never held whole
                    TensorData values = patches.get(0)[1];
                    zip.add(name, src.size(), sink -> CanonicalBytes.streamBuffers(values, sink::write));
                } else {
                    byte[] bytes = patched(name, src, patches);
                    zip.add(name, bytes);
                }
            }
            zip.finish();
        }
        return plan;
    }

    /** One contiguous little-endian tensor covering the whole storage from its start. */
    private static boolean wholeStorage(List<TensorData[]> patches, long storageBytes) {
        if (patches.size() != 1) return false;
        TensorData mine = patches.get(0)[0];
        boolean swapped = mine.storage().order() != ByteOrder.LITTLE_ENDIAN && mine.dtype().swapUnit() > 1;
        return !swapped && mine.isContiguous() && mine.storageOffset() == 0 && mine.nbytes() == storageBytes;
    }

    private static void copy(ByteSource src, ZipWriter.EntrySink sink) throws IOException {
        byte[] buf = new byte[1 << 20];
        for (long p = 0; p < src.size(); p += buf.length) {
            int n = (int) Math.min(buf.length, src.size() - p);
            src.read(p, buf, 0, n);
            sink.write(buf, 0, n);
        }
    }

    /**
     * The storage's bytes with each tensor's new values written at its offset and strides (views
     * and storages shared by several tensors; bounded by {@link #MAX_STORAGE}).
     */
    private static byte[] patched(String name, ByteSource src, List<TensorData[]> patches) throws IOException {
        if (src.size() > MAX_STORAGE) throw new IOException(name + ": a storage of " + src.size() + " bytes is too large to rewrite");
        byte[] bytes = new byte[(int) src.size()];
        src.read(0, bytes, 0, bytes.length);
        for (TensorData[] p : patches) {
            TensorData mine = p[0];
            if (mine.storage().order() != ByteOrder.LITTLE_ENDIAN && mine.dtype().swapUnit() > 1) {
                throw new IOException(name + ": big-endian TorchScript storages are not rewritten");
            }
            byte[] values = CanonicalBytes.toArray(p[1]);
            int item = mine.dtype().itemSize();
            long[] shape = mine.shape();
            long[] strides = mine.strides();
            if (mine.isContiguous()) {
                System.arraycopy(values, 0, bytes, Math.toIntExact(mine.storageOffset() * item), values.length);
                continue;
            }
            long[] index = new long[shape.length];
            for (long i = 0; i < mine.numel(); i++) {
                long at = mine.storageOffset();
                for (int d = 0; d < shape.length; d++) at += index[d] * strides[d];
                System.arraycopy(values, Math.toIntExact(i * item), bytes, Math.toIntExact(at * item), item);
                for (int d = shape.length - 1; d >= 0; d--) {
                    if (++index[d] < shape[d]) break;
                    index[d] = 0;
                }
            }
        }
        return bytes;
    }

    private static void requireScript(Checkpoint script) throws CheckpointException {
        if (!script.format().equals("torchscript") || !Files.isRegularFile(script.file())) {
            throw new CheckpointException(script.file(), "is a " + script.format() + " file, not a TorchScript model (torch.jit.save)");
        }
    }
}
