package io.weightbench.format.gguf;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Probe;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GGUF (llama.cpp / ggml), versions 2 and 3, little- or big-endian: every key/value pair becomes
 * metadata; every tensor of a type this program decodes is listed under its own name, with its
 * shape in PyTorch order (ggml's {@code ne} reversed) and its bytes left in the file. Tensors of
 * other ggml types (Q8_K, the IQ and TQ families, MXFP4, ...) are skipped with one warning. Each
 * tensor's region is checked: aligned, inside the file, its size as its type and shape give, and
 * no two overlapping.
 */
public final class GgufReader implements CheckpointReader {

    static final String FORMAT = "gguf";
    /** How many skipped tensors the warning names. */
    static final int NAMED_SKIPS = 5;

    @Override
    public Optional<Opener> probe(Probe probe) {
        byte[] head = probe.head();
        if (!GgufHeader.isGguf(head) && !GgufHeader.isFugg(head)) return Optional.empty();
        return Optional.of(formats -> open(probe));
    }

    private record Span(String name, long begin, long end) {}

    private static Checkpoint open(Probe probe) throws IOException {
        ByteSource file = probe.file();
        GgufHeader h = GgufHeader.read(file);
        List<String> warnings = new ArrayList<>();
        Map<String, String> meta = metadata(h, warnings);
        PyDict tree = new PyDict();
        List<Span> spans = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Map<String, Integer> skippedTypes = new LinkedHashMap<>();
        for (GgufHeader.Info t : h.tensors()) {
            Optional<GgmlType> type = GgmlType.of(Integer.toUnsignedLong(t.type()));
            if (type.isEmpty()) {
                // Its size is unknown: nothing about its region can be checked.
                String name = "type " + Integer.toUnsignedString(t.type());
                skipped.add(GgufValues.quoted(t.name()) + " (" + name + ")");
                skippedTypes.merge(name, 1, Integer::sum);
                continue;
            }
            GgmlType g = type.get();
            long numel = numel(t);
            long nbytes = checkedSize(t, g, numel, h, file.size());
            if (nbytes > 0) spans.add(new Span(t.name(), t.offset(), t.offset() + nbytes));
            Optional<DType> dtype = g.dtype();
            if (dtype.isEmpty()) {
                skipped.add(GgufValues.quoted(t.name()) + " (" + g + ")");
                skippedTypes.merge(g.name(), 1, Integer::sum);
                continue;
            }
            long[] shape = new long[t.ne().length];
            for (int i = 0; i < shape.length; i++) shape[i] = t.ne()[shape.length - 1 - i];
            Storage storage = new Storage(t.name(), dtype.get(), numel, h.order(), "cpu",
                    file.slice(h.dataOffset() + t.offset(), nbytes));
            Map<String, String> info = new LinkedHashMap<>();
            info.put("ggml_type", g.name());
            info.put("ne", Arrays.toString(t.ne()));
            info.put("offset", Long.toString(h.dataOffset() + t.offset()));
            tree.put(t.name(), new TensorValue(TensorData.contiguous(storage, shape), false, info));
        }
        checkOverlaps(spans);
        if (!skipped.isEmpty()) warnings.add(skipWarning(skipped, skippedTypes));
        return Checkpoint.of(probe.path(), FORMAT, tree, meta, warnings, List.of(probe.files()));
    }

    /** What the header says about the file (under GGUF.*), then every key/value in file order. */
    private static Map<String, String> metadata(GgufHeader h, List<String> warnings) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("GGUF.version", Integer.toString(h.version()));
        meta.put("GGUF.byte_order", h.order() == ByteOrder.BIG_ENDIAN
                ? "big-endian (" + (h.fuggMagic() ? "FUGG magic" : "byte-swapped version") + "): counts, values, tensor data and block scales"
                : "little-endian");
        meta.put("GGUF.tensor_count", Integer.toString(h.tensors().size()));
        meta.put("GGUF.kv_count", Long.toString(h.kvCount()));
        if (!h.alignmentSet()) meta.put("GGUF.alignment", h.alignment() + " (the default)");
        for (Map.Entry<String, String> e : h.kv().entrySet()) {
            String key = e.getKey();
            if (meta.containsKey(key)) {
                warnings.add("the key/value " + GgufValues.quoted(key) + " has the name of a fact this program reports;"
                        + " it is shown as '" + key + " (key/value)'");
                key = key + " (key/value)";
            }
            meta.put(key, e.getValue());
        }
        return meta;
    }

    /**
     * The bytes a tensor takes, after checking what ggml checks: whole blocks per row, a size that
     * fits 64 bits, an offset aligned and a region inside the file.
     */
    private static long checkedSize(GgufHeader.Info t, GgmlType g, long numel, GgufHeader h, long fileSize) throws FormatException {
        String name = GgufValues.quoted(t.name());
        if (t.ne().length == 0 && g.blockSize() > 1) {
            throw new FormatException("the GGUF tensor " + name + " of type " + g + " is a scalar, which cannot fill its "
                    + g.blockSize() + "-value blocks");
        }
        if (t.ne().length > 0 && t.ne()[0] % g.blockSize() != 0) {
            throw new FormatException("the GGUF tensor " + name + " of type " + g + " has " + t.ne()[0]
                    + " values per row, not a multiple of its " + g.blockSize() + "-value blocks");
        }
        long nbytes;
        try {
            nbytes = Math.multiplyExact(numel / g.blockSize(), (long) g.typeSize());
        } catch (ArithmeticException e) {
            throw new FormatException("the GGUF tensor " + name + " with ne " + Arrays.toString(t.ne()) + " would take over 2^63 bytes");
        }
        if (Long.remainderUnsigned(t.offset(), h.alignment()) != 0) {
            throw new FormatException("the GGUF tensor " + name + " starts at data offset " + Long.toUnsignedString(t.offset())
                    + ", not a multiple of the alignment " + h.alignment());
        }
        long room = fileSize - h.dataOffset();
        if (Long.compareUnsigned(t.offset(), room) > 0 || nbytes > room - t.offset()) {
            throw new FormatException("the GGUF tensor " + name + " (" + nbytes + " bytes at data offset "
                    + Long.toUnsignedString(t.offset()) + ") runs past the end of the file (its data section holds " + room + " bytes)");
        }
        return nbytes;
    }

    private static long numel(GgufHeader.Info t) throws FormatException {
        long n = 1;
        try {
            for (long d : t.ne()) n = Math.multiplyExact(n, d);
        } catch (ArithmeticException e) {
            throw new FormatException("the GGUF tensor " + GgufValues.quoted(t.name()) + " has ne " + Arrays.toString(t.ne())
                    + ", whose product overflows 64 bits");
        }
        return n;
    }

    private static void checkOverlaps(List<Span> spans) throws FormatException {
        spans.sort(Comparator.comparingLong(Span::begin).thenComparingLong(Span::end));
        Span previous = null;
        for (Span s : spans) {
            if (previous != null && s.begin() < previous.end()) {
                throw new FormatException("the GGUF tensors " + GgufValues.quoted(previous.name()) + " and " + GgufValues.quoted(s.name()) + " overlap (data bytes ["
                        + previous.begin() + ", " + previous.end() + ") and [" + s.begin() + ", " + s.end() + "))");
            }
            if (previous == null || s.end() > previous.end()) previous = s;
        }
    }

    private static String skipWarning(List<String> skipped, Map<String, Integer> types) {
        StringBuilder b = new StringBuilder("skipped ").append(skipped.size())
                .append(skipped.size() == 1 ? " tensor" : " tensors").append(" of ggml types this program does not decode (");
        String sep = "";
        for (Map.Entry<String, Integer> e : types.entrySet()) {
            b.append(sep).append(e.getKey()).append(" x").append(e.getValue());
            sep = ", ";
        }
        b.append("): ").append(String.join(", ", skipped.subList(0, Math.min(NAMED_SKIPS, skipped.size()))));
        if (skipped.size() > NAMED_SKIPS) b.append(", ...");
        return b.toString();
    }
}
