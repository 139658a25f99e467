package io.weightbench.format.mxnet;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Probe;
import io.weightbench.format.SourceFiles;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MXNet's NDArray list ({@code mx.nd.save}, {@code model-0000.params}, Gluon's
 * {@code save_parameters}): a magic number, the arrays (each with its own header: version magic,
 * storage type, shape, context, type flag, then its bytes) and their names ({@code arg:} and
 * {@code aux:} for symbolic models). Keys are the names verbatim. When the model's
 * {@code <prefix>-symbol.json} lies beside it, each tensor's info says which op uses it.
 */
public final class MxnetParamsReader implements CheckpointReader {

    static final long LIST_MAGIC = 0x112;
    static final int V1_MAGIC = 0xF993fac8;
    static final int V2_MAGIC = 0xF993fac9;
    static final int V3_MAGIC = 0xF993faca;
    static final int MAX_DIMS = 32;
    static final int MAX_NAME = 1 << 16;

    @Override
    public Optional<Opener> probe(Probe probe) {
        if (probe.headLength() < 24) return Optional.empty();
        ByteBuffer b = ByteBuffer.wrap(probe.head()).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(0) != LIST_MAGIC || b.getLong(8) != 0) return Optional.empty();
        return Optional.of(formats -> open(probe));
    }

    private static Checkpoint open(Probe probe) throws IOException {
        Cursor in = new Cursor(probe.file(), 16);
        long count = in.u64("array count");
        if (count < 0 || count > probe.file().size() / 8) throw new FormatException("NDArray list claims " + Long.toUnsignedString(count) + " arrays");
        List<TensorData> arrays = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        for (long i = 0; i < count; i++) arrays.add(readArray(in, i, versions));
        long names = in.u64("name count");
        if (names != 0 && names != count) throw new FormatException("NDArray list has " + count + " arrays but " + names + " names");
        List<String> keys = new ArrayList<>();
        for (long i = 0; i < names; i++) {
            long len = in.u64("name length");
            if (len < 0 || len > MAX_NAME) throw new FormatException("name " + i + " is " + Long.toUnsignedString(len) + " bytes long");
            keys.add(new String(in.bytes((int) len, "name " + i), StandardCharsets.UTF_8));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        meta.put("arrays", Long.toString(count));
        meta.put("ndarray_format", String.join(", ", new java.util.LinkedHashSet<>(versions)));
        if (in.pos < probe.file().size()) warnings.add((probe.file().size() - in.pos) + " bytes after the name list were ignored");
        Map<String, Map<String, String>> ops = symbolInfo(probe, meta, warnings);
        PyDict tree = new PyDict();
        for (int i = 0; i < arrays.size(); i++) {
            String key = names == 0 ? Integer.toString(i) : keys.get(i);
            if (tree.containsKey(key)) throw new FormatException("NDArray list names '" + key + "' twice");
            if (arrays.get(i) == null) continue; // a none array (no shape): nothing to list
            String plain = key.startsWith("arg:") || key.startsWith("aux:") ? key.substring(4) : key;
            Map<String, String> info = ops.getOrDefault(plain, Map.of());
            tree.put(key, new TensorValue(arrays.get(i), false, info));
        }
        return Checkpoint.of(probe.path(), "mxnet", tree, meta, warnings, List.of(probe.files()));
    }

    /** One array: its header, then a lazy view of its bytes; null for a "none" array (no shape). */
    private static TensorData readArray(Cursor in, long index, List<String> versions) throws IOException {
        String what = "array " + index;
        int magic = in.i32(what);
        long[] shape;
        if (magic == V2_MAGIC || magic == V3_MAGIC) {
            versions.add(magic == V2_MAGIC ? "v2" : "v3 (numpy shapes)");
            int stype = in.i32(what);
            if (stype != 0) throw new FormatException(what + " is a sparse NDArray (storage type " + stype + "), which is not read");
            shape = shape(in, what, false);
            if (shape == null || (magic == V2_MAGIC && shape.length == 0)) return null;
        } else if (magic == V1_MAGIC) {
            versions.add("v1");
            shape = shape(in, what, false);
            if (shape == null || shape.length == 0) return null;
        } else {
            versions.add("legacy");
            shape = legacyShape(in, what, magic);
            if (shape.length == 0) return null;
        }
        int devType = in.i32(what);
        in.i32(what); // device id
        if (devType < 1 || devType > 6) throw new FormatException(what + " has device type " + devType);
        int flag = in.i32(what);
        DType dtype = typeFlag(flag).orElseThrow(() -> new FormatException("array " + index + " has unknown type flag " + flag));
        long numel = 1;
        try {
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            long bytes = Math.multiplyExact(numel, (long) dtype.itemSize());
            if (bytes > in.file.size() - in.pos) {
                throw new FormatException(what + " (" + dtype + java.util.Arrays.toString(shape) + ", " + bytes
                        + " bytes at offset " + in.pos + ") runs past the end of the file (" + in.file.size() + " bytes)");
            }
            Storage s = new Storage(Long.toString(index), dtype, numel, ByteOrder.LITTLE_ENDIAN, "cpu", in.file.slice(in.pos, bytes));
            in.pos += bytes;
            return TensorData.contiguous(s, shape);
        } catch (ArithmeticException e) {
            throw new FormatException(what + " has an impossibly large shape " + java.util.Arrays.toString(shape));
        }
    }

    /** A TShape: int32 ndim then int64 dims; ndim -1 (v3's unknown shape) is a none array. */
    private static long[] shape(Cursor in, String what, boolean unused) throws IOException {
        int ndim = in.i32(what);
        if (ndim == -1) return null;
        if (ndim < 0 || ndim > MAX_DIMS) throw new FormatException(what + " has " + ndim + " dimensions");
        long[] shape = new long[ndim];
        for (int i = 0; i < ndim; i++) {
            shape[i] = in.i64(what);
            if (shape[i] < 0) throw new FormatException(what + " has a negative dimension " + shape[i]);
        }
        return shape;
    }

    /** Before versioned NDArrays: the first word was ndim, dims were uint32. */
    private static long[] legacyShape(Cursor in, String what, int ndim) throws IOException {
        if (ndim < 0 || ndim > MAX_DIMS) throw new FormatException(what + " does not start with a known NDArray header");
        long[] shape = new long[ndim];
        for (int i = 0; i < ndim; i++) shape[i] = in.i32(what) & 0xffffffffL;
        return shape;
    }

    /** mshadow's type flags. */
    static Optional<DType> typeFlag(int flag) {
        return Optional.ofNullable(switch (flag) {
            case 0 -> DType.FLOAT32;
            case 1 -> DType.FLOAT64;
            case 2 -> DType.FLOAT16;
            case 3 -> DType.UINT8;
            case 4 -> DType.INT32;
            case 5 -> DType.INT8;
            case 6 -> DType.INT64;
            case 7 -> DType.BOOL;
            case 8 -> DType.INT16;
            case 9 -> DType.UINT16;
            case 10 -> DType.UINT32;
            case 11 -> DType.UINT64;
            case 12 -> DType.BFLOAT16;
            default -> null;
        });
    }

    /**
     * From {@code <prefix>-symbol.json} beside {@code <prefix>-NNNN.params}: for each variable, the
     * op that takes it (Convolution with its kernel and groups, FullyConnected, BatchNorm, ...).
     */
    private static Map<String, Map<String, String>> symbolInfo(Probe probe, Map<String, String> meta, List<String> warnings) {
        String name = probe.path().getFileName().toString();
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || !name.endsWith(".params")) return Map.of();
        String symbol = name.substring(0, dash) + "-symbol.json";
        SourceFiles files = probe.files();
        if (!files.exists(symbol)) return Map.of();
        try {
            MappedFile f = files.open(symbol);
            if (f.size() > 64L << 20) return Map.of();
            byte[] all = new byte[(int) f.size()];
            f.read(0, all, 0, all.length);
            JsonNode graph = io.weightbench.json.JsonTree.read(all);
            JsonNode nodes = graph.path("nodes");
            Map<String, Map<String, String>> out = new HashMap<>();
            for (JsonNode n : nodes) {
                String op = n.path("op").asText();
                if (op.equals("null")) continue;
                for (JsonNode input : n.path("inputs")) {
                    int src = input.path(0).asInt(-1);
                    if (src < 0 || src >= nodes.size()) continue;
                    JsonNode var = nodes.get(src);
                    if (!var.path("op").asText().equals("null")) continue;
                    Map<String, String> info = out.computeIfAbsent(var.path("name").asText(), k -> new LinkedHashMap<>());
                    info.merge("op", op, (a, b) -> a.contains(b) ? a : a + ", " + b);
                    JsonNode attrs = n.has("attrs") ? n.path("attrs") : n.path("attr").isObject() ? n.path("attr") : n.path("param");
                    for (String a : new String[] {"kernel", "num_group", "num_filter", "num_hidden", "no_bias"}) {
                        if (attrs.has(a)) info.putIfAbsent(a, attrs.get(a).asText());
                    }
                }
            }
            meta.put("symbol", symbol + " (" + nodes.size() + " nodes)");
            return out;
        } catch (IOException | RuntimeException e) {
            warnings.add(symbol + " could not be read for op names: " + e.getMessage());
            return Map.of();
        }
    }

    /** Little-endian fields read one after another, each checked against the file's end. */
    private static final class Cursor {
        final MappedFile file;
        long pos;
        private final byte[] buf = new byte[8];

        Cursor(MappedFile file, long pos) {
            this.file = file;
            this.pos = pos;
        }

        private ByteBuffer take(int n, String what) throws IOException {
            if (pos + n > file.size()) throw new FormatException("the file ends inside " + what + " (offset " + pos + "; truncated?)");
            file.read(pos, buf, 0, n);
            pos += n;
            return ByteBuffer.wrap(buf, 0, n).order(ByteOrder.LITTLE_ENDIAN);
        }

        int i32(String what) throws IOException { return take(4, what).getInt(0); }

        long i64(String what) throws IOException { return take(8, what).getLong(0); }

        long u64(String what) throws IOException { return take(8, what).getLong(0); }

        byte[] bytes(int n, String what) throws IOException {
            if (pos + n > file.size()) throw new FormatException("the file ends inside " + what + " (offset " + pos + "; truncated?)");
            byte[] out = new byte[n];
            file.read(pos, out, 0, n);
            pos += n;
            return out;
        }
    }
}
