package io.weightbench.format.hdf5;

import io.weightbench.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * String attributes (Keras's {@code layer_names}, {@code weight_names}, {@code model_config},
 * {@code backend}), read with their element count checked against the bytes the attribute holds
 * before anything is allocated. Fixed-length strings are decoded here as UTF-8 (h5py writes numpy
 * byte strings as ASCII-tagged bytes that may hold UTF-8); variable-length ones by the parser that
 * read the file. Both parsers ({@link Hdf5Metadata}, {@link JhdfNodes}) decode through {@link #decode}.
 */
public final class Hdf5Attributes {

    /** More strings than any attribute this program reads holds. */
    static final long MAX_STRINGS = 1 << 20;

    /** What an attribute's datatype is, as far as reading strings goes. */
    enum Kind { FIXED_STRING, VARIABLE_STRING, NUMBER, OTHER }

    /** An attribute's variable-length strings, read from wherever the parser finds them. */
    interface VariableStrings {
        List<String> read() throws FormatException;
    }

    private Hdf5Attributes() {}

    /** A string attribute (a scalar or a one-element array); empty when absent or not one string. */
    public static Optional<String> string(Hdf5File file, Hdf5Node node, String name) throws FormatException {
        Optional<List<String>> all = strings(file, node, name);
        return all.isPresent() && all.get().size() == 1 ? Optional.of(all.get().get(0)) : Optional.empty();
    }

    /**
     * A list-of-strings attribute, empty when the node has no such attribute. An empty array of any
     * type is an empty list (h5py stores an empty Python list as an empty float64 array).
     */
    public static Optional<List<String>> strings(Hdf5File file, Hdf5Node node, String name) throws FormatException {
        return node.strings(name);
    }

    /**
     * An attribute's strings from its type, element count and data bytes ({@code typeName} says
     * what a non-string type is in the refusal).
     */
    static List<String> decode(String name, Kind kind, String typeName, long count, int typeSize, ByteBuffer buffer,
                               boolean spacePadded, VariableStrings variable) throws FormatException {
        if (count == 0 || buffer == null) return List.of();
        if (count < 0 || count > MAX_STRINGS) throw new FormatException("HDF5 attribute '" + name + "' holds " + count + " values");
        long need = count * (long) typeSize;
        if (typeSize <= 0 || need > buffer.remaining()) {
            throw new FormatException("HDF5 attribute '" + name + "' needs " + need + " bytes but holds " + buffer.remaining()
                    + " (malformed HDF5 file)");
        }
        return switch (kind) {
            case FIXED_STRING -> fixed(buffer.duplicate(), (int) count, typeSize, spacePadded);
            case VARIABLE_STRING -> variable.read();
            case NUMBER -> throw new FormatException("HDF5 attribute '" + name + "' holds " + count + " numbers, not strings");
            case OTHER -> throw new FormatException("HDF5 attribute '" + name + "' holds " + typeName + " values, not strings");
        };
    }

    private static List<String> fixed(ByteBuffer b, int count, int size, boolean spacePadded) {
        List<String> out = new ArrayList<>(count);
        byte[] one = new byte[size];
        for (int i = 0; i < count; i++) {
            b.get(one);
            int end = size;
            if (spacePadded) {
                while (end > 0 && one[end - 1] == ' ') end--;
            } else {
                for (int k = 0; k < size; k++) {
                    if (one[k] == 0) {
                        end = k;
                        break;
                    }
                }
            }
            out.add(new String(one, 0, end, StandardCharsets.UTF_8));
        }
        return out;
    }
}
