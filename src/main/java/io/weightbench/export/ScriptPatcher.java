package io.weightbench.export;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
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

    private ScriptPatcher() {}

    /**
     * Writes {@code out}: the script archive with the tensors of {@code values} (keyed by the
     * script's own keys, each of exactly that tensor's shape and dtype) in place of its own.
     */
    public static void write(Checkpoint script, Map<String, TensorData> values, Path out) throws IOException {
        requireScript(script);
        // storage key -> (script tensor, new values) to write into it
        Map<String, List<TensorData[]>> byStorage = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : values.entrySet()) {
            TensorData mine = script.tensor(e.getKey()).orElseThrow(() -> new IllegalArgumentException("the model has no key " + e.getKey())).data();
            TensorData v = e.getValue();
            if (!Arrays.equals(mine.shape(), v.shape()) || mine.dtype() != v.dtype()) {
                throw new IllegalArgumentException(e.getKey() + ": the model's " + mine + " cannot take " + v);
            }
            byStorage.computeIfAbsent(mine.storage().key(), x -> new ArrayList<>()).add(new TensorData[] {mine, v});
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
                    TensorData v = patches.get(0)[1];
                    zip.add(name, src.size(), sink -> CanonicalBytes.streamBuffers(v, sink::write));
                } else {
                    byte[] bytes = patched(name, src, patches);
                    zip.add(name, bytes);
                }
            }
            zip.finish();
        }
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
