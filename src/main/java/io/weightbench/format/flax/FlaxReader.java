package io.weightbench.format.flax;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Probe;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.ConcatSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Flax checkpoints written by {@code flax.serialization.to_bytes} / {@code msgpack_serialize}: a
 * MessagePack tree of dicts whose leaves are arrays in MessagePack extension type 1 (a nested
 * {@code (shape, dtype name, bytes)}), numpy scalars (type 3) and plain values; arrays over 1 GiB
 * split into chunks ({@code __msgpack_chunked_array__}) are joined again. Keys are the nested dict
 * paths joined with {@code /} ({@code params/Dense_0/kernel}); plain values become metadata.
 */
public final class FlaxReader implements CheckpointReader {

    static final String FORMAT = "flax-msgpack";
    static final int MAX_METADATA = 100;

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        int first = probe.headByte(0);
        boolean map = (first >= 0x80 && first <= 0x8f) || first == 0xde || first == 0xdf;
        if (!map) return Optional.empty();
        MsgpackTree.Node root;
        try {
            root = MsgpackTree.read(probe.file());
        } catch (MsgpackTree.Broken broken) {
            return Optional.of(formats -> {
                throw broken;
            });
        } catch (FormatException notMsgpack) {
            return Optional.empty();
        }
        if (!MsgpackTree.hasArray(root)) return Optional.empty();
        return Optional.of(formats -> open(probe, root));
    }

    private static Checkpoint open(Probe probe, MsgpackTree.Node root) throws IOException {
        PyDict tree = new PyDict();
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        int[] plain = {0};
        flatten(root, "", tree, meta, warnings, plain, probe);
        if (plain[0] > MAX_METADATA) warnings.add((plain[0] - MAX_METADATA) + " more plain values not shown in the metadata");
        return Checkpoint.of(probe.path(), FORMAT, tree, meta, warnings, List.of(probe.files()));
    }

    private static void flatten(MsgpackTree.Node node, String path, PyDict tree, Map<String, String> meta, List<String> warnings,
                                int[] plain, Probe probe) throws IOException {
        if (node instanceof MsgpackTree.MapNode m) {
            if (m.isChunkedArray()) {
                tree.put(path, new TensorValue(chunked(m, path, probe), false, Map.of("chunks", Integer.toString(m.chunks().size()))));
                return;
            }
            for (Map.Entry<String, MsgpackTree.Node> e : m.entries().entrySet()) {
                flatten(e.getValue(), path.isEmpty() ? e.getKey() : path + "/" + e.getKey(), tree, meta, warnings, plain, probe);
            }
        } else if (node instanceof MsgpackTree.ListNode l) {
            for (int i = 0; i < l.items().size(); i++) {
                flatten(l.items().get(i), path.isEmpty() ? Integer.toString(i) : path + "/" + i, tree, meta, warnings, plain, probe);
            }
        } else if (node instanceof MsgpackTree.ArrayLeaf a) {
            String key = path.isEmpty() ? "<root>" : path;
            tree.put(key, new TensorValue(tensor(a, key, probe.file().slice(a.offset(), a.length())), false,
                    a.scalar() ? Map.of("numpy", "scalar") : Map.of()));
        } else if (node instanceof MsgpackTree.Scalar s) {
            if (++plain[0] <= MAX_METADATA) meta.put(path.isEmpty() ? "<root>" : path, s.text());
        }
    }

    private static TensorData tensor(MsgpackTree.ArrayLeaf a, String key, ByteSource bytes) throws FormatException {
        DType dtype = dtype(a.dtype(), key);
        long numel = numel(a.shape(), key);
        long need;
        try {
            need = Math.multiplyExact(numel, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new FormatException("array '" + key + "' has an impossibly large shape " + java.util.Arrays.toString(a.shape()));
        }
        if (need != bytes.size()) {
            throw new FormatException("array '" + key + "' of " + a.dtype() + java.util.Arrays.toString(a.shape()) + " needs " + need
                    + " bytes but holds " + bytes.size());
        }
        return TensorData.contiguous(new Storage(key, dtype, numel, ByteOrder.LITTLE_ENDIAN, "cpu", bytes), a.shape());
    }

    /** flax's {@code _unchunk}: the chunks (flat arrays, in index order) joined and given the recorded shape. */
    private static TensorData chunked(MsgpackTree.MapNode m, String key, Probe probe) throws FormatException {
        long[] shape = m.chunkedShape(key);
        List<ByteSource> parts = new ArrayList<>();
        String dtypeName = null;
        for (MsgpackTree.ArrayLeaf c : m.chunks()) {
            if (c.shape().length != 1) throw new FormatException("chunked array '" + key + "' has a chunk that is not flat");
            if (dtypeName != null && !dtypeName.equals(c.dtype())) throw new FormatException("chunked array '" + key + "' mixes dtypes");
            dtypeName = c.dtype();
            parts.add(probe.file().slice(c.offset(), c.length()));
        }
        if (dtypeName == null) throw new FormatException("chunked array '" + key + "' has no chunks");
        DType dtype = dtype(dtypeName, key);
        long numel = numel(shape, key);
        ConcatSource all = new ConcatSource(parts);
        if (all.size() != numel * dtype.itemSize()) {
            throw new FormatException("chunked array '" + key + "' of shape " + java.util.Arrays.toString(shape) + " holds " + all.size()
                    + " bytes of " + dtype + ", not " + numel * dtype.itemSize());
        }
        return TensorData.contiguous(new Storage(key, dtype, numel, ByteOrder.LITTLE_ENDIAN, "cpu", all), shape);
    }

    /** numpy's dtype names (and ml_dtypes' bfloat16 / float8) as written by {@code arr.dtype.name}. */
    static DType dtype(String name, String key) throws FormatException {
        Optional<DType> d = DType.fromTorchName(name);
        if (d.isPresent() && !d.get().isQuantized() && !d.get().isBlockQuantized() && !name.equals("half")
                && !name.equals("float") && !name.equals("double") && !name.equals("long") && !name.equals("int") && !name.equals("short")) {
            return d.get();
        }
        throw new FormatException("array '" + key + "' has dtype '" + name + "', which Weightbench does not read");
    }

    private static long numel(long[] shape, String key) throws FormatException {
        long n = 1;
        try {
            for (long s : shape) n = Math.multiplyExact(n, s);
        } catch (ArithmeticException e) {
            throw new FormatException("array '" + key + "' has an impossibly large shape " + java.util.Arrays.toString(shape));
        }
        return n;
    }
}
