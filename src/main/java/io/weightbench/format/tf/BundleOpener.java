package io.weightbench.format.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.FormatException;
import io.weightbench.format.SourceFiles;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.tf.proto.BundleEntryProto;
import io.weightbench.format.tf.proto.BundleHeaderProto;
import io.weightbench.format.tf.proto.TensorShapeProto;
import io.weightbench.format.tf.proto.TensorSliceProto;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a checkpoint from a parsed index: each entry becomes a lazy tensor over its run of a data
 * shard ({@code <prefix>.data-00000-of-00002}), its size checked against dtype and shape and its
 * run against the shard, its CRC checked when first read. Partitioned variables are assembled
 * from their slices; string tensors become metadata (the object graph is decoded into each
 * variable's readable path); types that are not tensors are named in one warning.
 */
final class BundleOpener {

    static final String FORMAT = "tf-checkpoint";
    static final String OBJECT_GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH";
    /** TensorFlow's own limit on a tensor's rank. */
    static final int MAX_RANK = 254;
    /** A string tensor is read at open (for metadata) only up to this size; the object graph up to {@link #MAX_GRAPH}. */
    static final long MAX_STRING_PREVIEW = 4096;
    static final long MAX_GRAPH = 64L << 20;
    static final int MAX_SHARDS = 4096;
    /** TF1 optimizers store a variable's slots as {@code <variable>/<slot>}: these are the slot names they use. */
    private static final Pattern TF1_SLOT = Pattern.compile(
            "(Adam|Adam_1|Momentum|RMSProp|RMSProp_1|Adagrad|AdagradDA|AdagradDA_1|Adadelta|Adadelta_1|Ftrl|Ftrl_1|Nadam|Nadam_1"
                    + "|ProximalAdagrad|gradient_accumulator|gradient_squared_accumulator)");
    private static final Pattern TF2_SLOT = Pattern.compile("/\\.OPTIMIZER_SLOT/.+/([^/]+)/\\.ATTRIBUTES/VARIABLE_VALUE$");

    private final SourceFiles files;
    private final String prefix;
    private final BundleHeaderProto header;
    private final ByteOrder order;
    private final Map<Integer, MappedFile> shards = new HashMap<>();
    private final PyDict tree = new PyDict();
    private final Map<String, String> meta = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> notTensors = new ArrayList<>();
    private final List<String> refused = new ArrayList<>();

    private BundleOpener(SourceFiles files, String prefix, BundleHeaderProto header) throws FormatException {
        this.files = files;
        this.prefix = prefix;
        this.header = header;
        if (header.getNumShards() < 1 || header.getNumShards() > MAX_SHARDS) {
            throw new FormatException("its header names " + header.getNumShards() + " data shards (1 to " + MAX_SHARDS + " are possible)");
        }
        if (header.getEndiannessValue() > 1 || header.getEndiannessValue() < 0) {
            throw new FormatException("its header names byte order " + header.getEndiannessValue() + " (0 little-endian and 1 big-endian exist)");
        }
        // A bundle names the oldest reader version it needs; this reader is of TensorFlow's version 1.
        if (header.getVersion().getMinConsumer() > 1 || header.getVersion().getBadConsumersList().contains(1)) {
            throw new FormatException("it was written by a TensorFlow whose bundle format (version " + header.getVersion().getProducer()
                    + ", readable from " + header.getVersion().getMinConsumer() + ") is newer than the one Weightbench reads (1)");
        }
        this.order = header.getEndianness() == BundleHeaderProto.Endianness.BIG ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    /**
     * The checkpoint whose index, named {@code indexName} in {@code files}' folder, {@code index}
     * holds; {@code file} is what the checkpoint is called (the index, or the folder it came from).
     */
    static Checkpoint open(Path file, SourceFiles files, String indexName, BundleIndex index,
                           Map<String, String> extraMeta, List<String> extraWarnings) throws IOException {
        String prefix = indexName.endsWith(".index") ? indexName.substring(0, indexName.length() - 6) : indexName;
        BundleOpener b = new BundleOpener(files, prefix, index.header());
        b.meta.putAll(extraMeta);
        b.warnings.addAll(extraWarnings);
        b.read(index.entries());
        return Checkpoint.of(file, FORMAT, b.tree, b.meta, b.warnings, List.of(files));
    }

    private void read(List<LevelDbTable.Entry> entries) throws IOException {
        meta.putIfAbsent("saved_model", "false"); // true only when opened as a SavedModel folder
        meta.put("num_shards", Integer.toString(header.getNumShards()));
        meta.put("endianness", order == ByteOrder.BIG_ENDIAN ? "big" : "little");
        meta.put("version", "producer " + header.getVersion().getProducer() + ", min_consumer " + header.getVersion().getMinConsumer());
        Map<String, BundleEntryProto> slices = new HashMap<>();
        Map<String, BundleEntryProto> tensors = new LinkedHashMap<>();
        for (int i = 1; i < entries.size(); i++) {
            LevelDbTable.Entry e = entries.get(i);
            if (SliceKeys.isSliceKey(e.key())) {
                slices.put(new String(e.key(), StandardCharsets.ISO_8859_1), parse(e.value(), "a slice entry"));
                continue;
            }
            String key = new String(e.key(), StandardCharsets.UTF_8);
            BundleEntryProto entry = parse(e.value(), "'" + key + "'");
            if (tensors.put(key, entry) != null) {
                throw new FormatException("its index holds two entries named '" + key + "' (keys that are not valid UTF-8?)");
            }
        }
        ObjectGraph graph = null;
        List<String> strings = new ArrayList<>();
        for (Map.Entry<String, BundleEntryProto> t : tensors.entrySet()) {
            String key = t.getKey();
            BundleEntryProto e = t.getValue();
            TfDataType type = TfDataType.of(e.getDtype()).orElse(null);
            if (type == TfDataType.DT_STRING) {
                if (key.equals(OBJECT_GRAPH)) graph = objectGraph(e);
                else strings.add(describeString(key, e));
                continue;
            }
            DType dtype = type == null ? null : type.dtype().orElse(null);
            if (dtype == null) {
                notTensors.add(key + " (" + (type == null ? "DataType " + e.getDtype() : type.name()) + ")");
                continue;
            }
            long[] shape = shape(key, e.getShape());
            Map<String, String> info = new LinkedHashMap<>();
            if (type.renamed()) info.put("tf_dtype", type.name());
            ByteSource bytes;
            if (e.getSlicesCount() > 0) {
                bytes = partitioned(key, e, dtype, shape, slices);
                if (bytes == null) continue;
                info.put("partitioned", e.getSlicesCount() + " slices");
            } else {
                bytes = run(key, e, dtype, shape);
                info.put("crc32c", MaskedCrc.hex(MaskedCrc.unmask(e.getCrc32C())));
                if (header.getNumShards() > 1) info.put("shard", Integer.toString(e.getShardId()));
            }
            long numel = numel(key, shape, dtype);
            Storage storage = new Storage(key, dtype, numel, order, "cpu", bytes);
            tree.put(key, new TensorValue(TensorData.contiguous(storage, shape), false, info));
        }
        if (!slices.isEmpty()) warnings.add(slices.size() + " slice entries of partitioned variables belong to no variable in the index and are not listed");
        if (graph != null) label(graph);
        labelTf1Slots();
        if (!strings.isEmpty()) meta.put("string_tensors", abbreviate(strings, "; "));
        if (!notTensors.isEmpty()) {
            warnings.add(notTensors.size() + (notTensors.size() == 1 ? " entry is" : " entries are")
                    + " not tensors Weightbench reads and not listed: " + abbreviate(notTensors, ", "));
        }
        for (String r : refused) warnings.add(r + " (not listed)");
    }

    private static BundleEntryProto parse(byte[] value, String what) throws FormatException {
        try {
            return BundleEntryProto.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new FormatException("its index entry for " + what + " is not a BundleEntryProto (" + e.getMessage() + ")");
        }
    }

    private static long[] shape(String key, TensorShapeProto p) throws FormatException {
        if (p.getUnknownRank()) throw new FormatException("tensor '" + key + "' is saved with an unknown rank");
        if (p.getDimCount() > MAX_RANK) throw new FormatException("tensor '" + key + "' has rank " + p.getDimCount() + " (TensorFlow allows " + MAX_RANK + ")");
        long[] shape = new long[p.getDimCount()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = p.getDim(d).getSize();
            if (shape[d] < 0) throw new FormatException("tensor '" + key + "' has dimension " + shape[d] + " in its shape");
        }
        return shape;
    }

    private static long numel(String key, long[] shape, DType dtype) throws FormatException {
        try {
            long n = 1;
            long strides = dtype.itemSize(); // also with a zero dimension, the others' strides must be numbers
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
                strides = Math.multiplyExact(strides, Math.max(d, 1));
            }
            return n;
        } catch (ArithmeticException e) {
            throw new FormatException("tensor '" + key + "' has an impossibly large shape " + java.util.Arrays.toString(shape));
        }
    }

    /** A plain entry's bytes: {@code size} bytes at {@code offset} of its shard, as many as dtype and shape need. */
    private ByteSource run(String key, BundleEntryProto e, DType dtype, long[] shape) throws IOException {
        long need = numel(key, shape, dtype) * dtype.itemSize();
        if (e.getSize() != need) {
            throw new FormatException("tensor '" + key + "' is stored in " + e.getSize() + " bytes but " + dtype
                    + java.util.Arrays.toString(shape) + " needs " + need);
        }
        return new CrcCheckedSource(region(key, e), e.getCrc32C(), key);
    }

    /** The run of bytes an entry names in its shard, checked to lie inside it. */
    private ByteSource region(String key, BundleEntryProto e) throws IOException {
        MappedFile shard = shard(key, e.getShardId());
        long offset = e.getOffset();
        long size = e.getSize();
        if (offset < 0 || size < 0 || offset + size < 0 || offset + size > shard.size()) {
            throw new FormatException("tensor '" + key + "' lies at bytes " + offset + " to " + (offset + size) + " of "
                    + shard.path().getFileName() + ", which holds " + shard.size());
        }
        return shard.slice(offset, size);
    }

    private MappedFile shard(String key, int id) throws IOException {
        if (id < 0 || id >= header.getNumShards()) {
            throw new FormatException("tensor '" + key + "' is in data shard " + id + " of " + header.getNumShards());
        }
        MappedFile f = shards.get(id);
        if (f == null) {
            f = files.open(String.format("%s.data-%05d-of-%05d", prefix, id, header.getNumShards()));
            shards.put(id, f);
        }
        return f;
    }

    /**
     * A partitioned variable from its slices (each an entry of its own under an OrderedCode key);
     * null, with the reason in {@link #refused}, when its slices cannot be assembled into it.
     */
    private ByteSource partitioned(String key, BundleEntryProto e, DType dtype, long[] shape, Map<String, BundleEntryProto> slices)
            throws IOException {
        numel(key, shape, dtype);
        List<PartitionedTensor.Slice> parts = new ArrayList<>();
        for (TensorSliceProto s : e.getSlicesList()) {
            if (s.getExtentCount() != shape.length) {
                throw new FormatException("'" + key + "' has a slice of rank " + s.getExtentCount() + " for a tensor of rank " + shape.length);
            }
            long[] starts = new long[shape.length];
            long[] lengths = new long[shape.length];
            for (int d = 0; d < shape.length; d++) {
                TensorSliceProto.Extent x = s.getExtent(d);
                starts[d] = x.getStart();
                lengths[d] = x.hasLength() ? x.getLength() : -1;
            }
            String sliceKey = new String(SliceKeys.encode(key, starts, lengths), StandardCharsets.ISO_8859_1);
            BundleEntryProto stored = slices.remove(sliceKey);
            if (stored == null) {
                refused.add("'" + key + "' is partitioned but its slice " + describe(starts, lengths) + " is missing from the index");
                return null;
            }
            if (stored.getDtype() != e.getDtype() || stored.getSlicesCount() > 0) {
                throw new FormatException("'" + key + "' has a slice stored with another dtype or slices of its own");
            }
            long[] sliceShape = shape(key, stored.getShape());
            long[] expected = PartitionedTensor.shapeOf(starts, lengths, shape);
            if (!java.util.Arrays.equals(sliceShape, expected)) {
                throw new FormatException("'" + key + "' has a slice of shape " + java.util.Arrays.toString(sliceShape)
                        + " where its extents say " + java.util.Arrays.toString(expected));
            }
            parts.add(new PartitionedTensor.Slice(starts, lengths, run(key, stored, dtype, sliceShape)));
        }
        try {
            int axis = PartitionedTensor.axis(parts, shape, key);
            return PartitionedTensor.assemble(parts, shape, axis, dtype.itemSize(), key);
        } catch (FormatException notTiled) {
            refused.add(notTiled.getMessage());
            return null;
        }
    }

    /** A slice as TensorFlow writes one: {@code 0,4:-} (start,length per dimension; - for all of it). */
    private static String describe(long[] starts, long[] lengths) {
        StringBuilder b = new StringBuilder();
        for (int d = 0; d < starts.length; d++) {
            if (d > 0) b.append(':');
            b.append(lengths[d] < 0 ? "-" : starts[d] + "," + lengths[d]);
        }
        return b.toString();
    }

    private ObjectGraph objectGraph(BundleEntryProto e) throws IOException {
        if (e.getShape().getDimCount() != 0 || e.getSlicesCount() > 0) {
            warnings.add(OBJECT_GRAPH + " is not a scalar string; the object graph was not read");
            return null;
        }
        if (e.getSize() > MAX_GRAPH) {
            warnings.add(OBJECT_GRAPH + " holds " + e.getSize() + " bytes, over the " + (MAX_GRAPH >> 20) + " MiB read at open; variables are shown without their object paths");
            return null;
        }
        try {
            List<byte[]> s = StringTensor.read(region(OBJECT_GRAPH, e), 1, order == ByteOrder.BIG_ENDIAN, e.getCrc32C(), OBJECT_GRAPH);
            ObjectGraph g = ObjectGraph.parse(s.get(0));
            meta.put("object_graph_nodes", Integer.toString(g.nodes()));
            return g;
        } catch (FormatException bad) {
            // the variables are still readable without it
            warnings.add("the object graph could not be read: " + bad.getMessage());
            return null;
        }
    }

    /** A string tensor as metadata: its shape, and a short scalar's value. */
    private String describeString(String key, BundleEntryProto e) throws IOException {
        String shape;
        long count;
        try {
            long[] dims = shape(key, e.getShape());
            count = numel(key, dims, DType.UINT8);
            shape = java.util.Arrays.toString(dims);
        } catch (FormatException bad) {
            return key + " (string tensor with an invalid shape)";
        }
        if (count == 1 && e.getSlicesCount() == 0 && e.getSize() <= MAX_STRING_PREVIEW) {
            try {
                byte[] v = StringTensor.read(region(key, e), 1, order == ByteOrder.BIG_ENDIAN, e.getCrc32C(), key).get(0);
                String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(v)).toString();
                if (text.length() <= 200 && text.chars().noneMatch(c -> c < 0x20)) return key + " = \"" + text + "\"";
            } catch (java.nio.charset.CharacterCodingException | FormatException notShown) {
                // described by its shape instead
            }
        }
        return key + " (string tensor " + shape + ", " + e.getSize() + " bytes)";
    }

    /** Object paths from the TF2 object graph beside each key it names. */
    private void label(ObjectGraph graph) {
        for (Map.Entry<Object, Object> t : tree.entrySet()) {
            Map<String, String> more = graph.info((String) t.getKey());
            if (!more.isEmpty()) addInfo(t, more);
        }
    }

    /** TF1's {@code <variable>/Adam} slots and TF2's {@code .OPTIMIZER_SLOT} keys, marked as optimizer state. */
    private void labelTf1Slots() {
        for (Map.Entry<Object, Object> t : tree.entrySet()) {
            String key = (String) t.getKey();
            TensorValue v = (TensorValue) t.getValue();
            if (v.info().containsKey("optimizer_slot")) continue;
            // the regexes only where their literal parts occur: a listing runs this once per tensor
            Matcher tf2 = key.contains(".OPTIMIZER_SLOT") ? TF2_SLOT.matcher(key) : null;
            int slash = key.lastIndexOf('/');
            if (tf2 != null && tf2.find()) {
                addInfo(t, Map.of("optimizer_slot", tf2.group(1)));
            } else if (slash > 0 && tree.containsKey(key.substring(0, slash)) && TF1_SLOT.matcher(key.substring(slash + 1)).matches()) {
                addInfo(t, Map.of("optimizer_slot", key.substring(slash + 1), "slot_of", key.substring(0, slash)));
            }
        }
    }

    private static void addInfo(Map.Entry<Object, Object> t, Map<String, String> more) {
        TensorValue v = (TensorValue) t.getValue();
        Map<String, String> info = new LinkedHashMap<>(v.info());
        info.putAll(more);
        t.setValue(new TensorValue(v.data(), v.parameter(), info));
    }

    private static String abbreviate(List<String> items, String separator) {
        if (items.size() <= 8) return String.join(separator, items);
        return String.join(separator, items.subList(0, 8)) + separator + "and " + (items.size() - 8) + " more";
    }
}
