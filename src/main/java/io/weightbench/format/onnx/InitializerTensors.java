package io.weightbench.format.onnx;

import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.FormatException;
import io.weightbench.format.SourceFiles;
import io.weightbench.format.onnx.proto.OnnxProto.StringStringEntryProto;
import io.weightbench.format.onnx.proto.OnnxProto.TensorProto;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns initializers into lazy tensors: checks each one's type, shape and values against each
 * other and against the file (or the external data file) before trusting them, and collects the
 * initializers that are not tensors (strings, types without a dtype, segments) for one warning.
 */
final class InitializerTensors {

    /** Dimensions per tensor (ONNX sets no limit; real tensors have a handful). */
    static final int MAX_RANK = 64;
    /** Initializers named in the warning about those not listed. */
    static final int NAMED = 10;

    private final MappedFile file;
    private final SourceFiles files;
    private final List<String> notListed = new ArrayList<>();
    private final List<String> overBudget = new ArrayList<>();
    private final Set<String> externalFiles = new LinkedHashSet<>();
    private int notListedCount;
    private int overBudgetCount;
    private long decoded;

    InitializerTensors(MappedFile file, SourceFiles files) {
        this.file = file;
        this.files = files;
    }

    /** The initializer as a tensor, with {@code info} and where its values are; empty if it is not a tensor. */
    Optional<TensorValue> tensor(Initializer init, Map<String, String> consumers) throws IOException {
        TensorProto h = init.header();
        String what = "initializer '" + Text.shorten(init.name()) + "'";
        if (h.hasSegment()) return skip(init, "a segment of a larger tensor");
        Optional<OnnxType> type = OnnxType.of(h.getDataType());
        if (type.isEmpty()) return skip(init, "unknown data type " + h.getDataType());
        if (type.get() == OnnxType.UNDEFINED) return skip(init, "no data type");
        if (type.get().dtype().isEmpty()) return skip(init, type.get().onnxName());
        DType dtype = type.get().dtype().get();
        long[] shape = shape(h, what);
        long numel = 1;
        long nbytes;
        try {
            long strides = 1; // row-major strides count an empty dimension as 1: they must fit too
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
                strides = Math.multiplyExact(strides, Math.max(d, 1));
            }
            nbytes = Math.multiplyExact(numel, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new FormatException(what + " has an impossibly large shape " + Arrays.toString(shape));
        }

        Map<String, String> info = new LinkedHashMap<>(consumers);
        ByteSource bytes;
        if (h.getDataLocation() == TensorProto.DataLocation.EXTERNAL_VALUE) {
            bytes = external(h, nbytes, what, info);
        } else if (h.getDataLocation() != TensorProto.DataLocation.DEFAULT_VALUE) {
            throw new FormatException(what + " has an unknown data_location " + h.getDataLocation());
        } else if (init.raw() != null) {
            if (init.raw().length() != nbytes) {
                throw new FormatException(what + " has " + init.raw().length() + " bytes of raw_data but " + dtype
                        + Arrays.toString(shape) + " needs " + nbytes);
            }
            bytes = file.slice(init.raw().offset(), nbytes);
            info.put("data", "raw_data");
        } else {
            Optional<ByteSource> typed = typed(init, type.get(), dtype, numel, nbytes, what, info);
            if (typed.isEmpty()) return Optional.empty();
            bytes = typed.get();
        }
        if (!init.subgraph().isEmpty()) info.put("subgraph", init.subgraph());
        if (!init.doc().isEmpty()) info.put("doc", init.doc());
        Storage storage = new Storage(init.name(), dtype, numel, ByteOrder.LITTLE_ENDIAN, "cpu", bytes);
        return Optional.of(new TensorValue(TensorData.contiguous(storage, shape), false, info));
    }

    private static long[] shape(TensorProto h, String what) throws FormatException {
        if (h.getDimsCount() > MAX_RANK) throw new FormatException(what + " has " + h.getDimsCount() + " dimensions (more than " + MAX_RANK + ")");
        long[] shape = new long[h.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = h.getDims(i);
            if (shape[i] < 0) throw new FormatException(what + " has a negative dimension in its shape " + h.getDimsList());
        }
        return shape;
    }

    /** Values in a typed field: a slice when they are one packed run of fixed-width values, else decoded when read. */
    private Optional<ByteSource> typed(Initializer init, OnnxType type, DType dtype, long numel, long nbytes, String what,
                                       Map<String, String> info) throws IOException {
        OnnxType.Field field = type.field;
        Initializer.Values v = init.typed().get(field);
        long values = numel * type.valuesPerElement();
        if (v == null) {
            if (numel == 0) return Optional.of(ByteSource.of(new byte[0]));
            String elsewhere = init.typed().isEmpty() ? "" : " (it has " + init.typed().keySet().iterator().next().protoName()
                    + ", which does not hold " + type.onnxName() + ")";
            throw new FormatException(what + " has no values: neither raw_data nor " + field.protoName() + elsewhere);
        }
        info.put("data", field.protoName());
        if (field.encoding != OnnxType.Encoding.VARINT && v.isOneRun()) {
            long count = v.packedBytes / field.encoding.width;
            if (count != values) throw mismatch(what, field, count, values, type);
            return Optional.of(file.slice(v.firstPacked.offset(), nbytes));
        }
        if (nbytes > OnnxReader.MAX_DECODED - decoded) {
            overBudgetCount++;
            if (overBudget.size() < NAMED) overBudget.add("'" + Text.shorten(init.name()) + "' (" + nbytes + " bytes)");
            return Optional.empty();
        }
        long count;
        try {
            count = TypedValuesSource.count(file, v, init.span(), field);
        } catch (FormatException e) {
            throw new FormatException(what + " has malformed " + field.protoName() + ": " + e.getMessage());
        }
        if (count != values) throw mismatch(what, field, count, values, type);
        decoded += nbytes;
        return Optional.of(new TypedValuesSource(file, init.span(), field, dtype, nbytes));
    }

    private static FormatException mismatch(String what, OnnxType.Field field, long count, long values, OnnxType type) {
        return new FormatException(what + " has " + count + " values in " + field.protoName() + " but its shape needs " + values
                + (type.valuesPerElement() > 1 ? " (two per " + type.onnxName() + " element)" : ""));
    }

    /** Values in a file beside the model: location (confined to the model's folder), offset and length, all checked. */
    private ByteSource external(TensorProto h, long nbytes, String what, Map<String, String> info) throws IOException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : h.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = number(e.getValue(), "offset", what);
                case "length" -> length = number(e.getValue(), "length", what);
                default -> { } // checksum, basepath: not needed to read the bytes
            }
        }
        if (location == null || location.isEmpty()) throw new FormatException(what + " has external data without a location");
        if (Text.hasControl(location)) {
            throw new FormatException(what + " has external data at '" + Text.shorten(location) + "', a name with control characters");
        }
        for (Path part : safeSplit(location)) {
            if (part.toString().equals("..")) {
                throw new FormatException(what + " has external data at '" + Text.shorten(location)
                        + "', a path with '..' (only files inside the model's folder are read)");
            }
        }
        MappedFile ext;
        try {
            ext = files.open(location);
        } catch (FormatException e) {
            throw new FormatException(what + " has external data that " + e.getMessage());
        }
        String where = "'" + Text.shorten(location) + "' (" + ext.size() + " bytes)";
        if (offset > ext.size()) throw new FormatException(what + " has external data at offset " + offset + ", past the end of " + where);
        if (length >= 0 && length != nbytes) {
            throw new FormatException(what + " has " + length + " bytes of external data but its shape and type need " + nbytes);
        }
        if (nbytes > ext.size() - offset) {
            throw new FormatException(what + " has external data at offset " + offset + " of " + nbytes + " bytes, which runs past the end of " + where);
        }
        externalFiles.add(Text.shorten(location));
        info.put("data", "external");
        info.put("location", Text.shorten(location));
        info.put("offset", Long.toString(offset));
        return ext.slice(offset, nbytes);
    }

    private static Iterable<Path> safeSplit(String location) throws FormatException {
        try {
            return Path.of(location.replace('\\', '/'));
        } catch (java.nio.file.InvalidPathException e) {
            throw new FormatException("has external data at an invalid path '" + Text.shorten(location) + "'");
        }
    }

    private static long number(String s, String key, String what) throws FormatException {
        try {
            long n = Long.parseLong(s.trim());
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new FormatException(what + " has an external data " + key + " that is not a non-negative integer ('" + Text.shorten(s) + "')");
    }

    private Optional<TensorValue> skip(Initializer init, String why) {
        notListedCount++;
        if (notListed.size() < NAMED) notListed.add("'" + Text.shorten(init.name()) + "' (" + why + ")");
        return Optional.empty();
    }

    void warnings(List<String> warnings) {
        if (notListedCount > 0) {
            warnings.add(notListedCount + " initializer" + (notListedCount == 1 ? " is" : "s are") + " not listed as tensors"
                    + " (no dtype for them here): " + String.join(", ", notListed) + (notListedCount > notListed.size() ? ", ..." : ""));
        }
        if (overBudgetCount > 0) {
            warnings.add(overBudgetCount + " initializer" + (overBudgetCount == 1 ? " is" : "s are") + " not listed: their values are"
                    + " varints (int32_data, int64_data, ...) beyond the " + (OnnxReader.MAX_DECODED >> 20) + " MiB this reader decodes into memory: "
                    + String.join(", ", overBudget) + (overBudgetCount > overBudget.size() ? ", ..." : ""));
        }
    }

    /** The external data files read, as named in the model. */
    Set<String> externalFiles() { return externalFiles; }
}
