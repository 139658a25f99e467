package io.weightbench.format.hdf5;

import io.jhdf.api.Attribute;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import io.weightbench.format.FormatException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * String attributes (Keras's {@code layer_names}, {@code weight_names}, {@code model_config},
 * {@code backend}), read with their element count checked against the bytes the attribute holds
 * before anything is allocated. Fixed-length strings are decoded here as UTF-8 (h5py writes numpy
 * byte strings as ASCII-tagged bytes that may hold UTF-8); variable-length ones through jhdf.
 */
public final class Hdf5Attributes {

    /** More strings than any attribute this program reads holds. */
    static final long MAX_STRINGS = 1 << 20;

    private Hdf5Attributes() {}

    /** A string attribute (a scalar or a one-element array); empty when absent or not one string. */
    public static Optional<String> string(Hdf5File file, Node node, String name) throws FormatException {
        Optional<List<String>> all = strings(file, node, name);
        return all.isPresent() && all.get().size() == 1 ? Optional.of(all.get().get(0)) : Optional.empty();
    }

    /**
     * A list-of-strings attribute, empty when the node has no such attribute. An empty array of any
     * type is an empty list (h5py stores an empty Python list as an empty float64 array).
     */
    public static Optional<List<String>> strings(Hdf5File file, Node node, String name) throws FormatException {
        String what = "reading attribute '" + name + "'";
        Attribute a = file.call(what, () -> node.getAttribute(name));
        if (a == null) return Optional.empty();
        DataType type = file.call(what, a::getDataType);
        long count = file.call(what, a::getSize);
        ByteBuffer buffer = file.call(what, a::getBuffer);
        if (count == 0 || buffer == null) return Optional.of(List.of());
        if (count < 0 || count > MAX_STRINGS) throw new FormatException("HDF5 attribute '" + name + "' holds " + count + " values");
        long need = count * (long) type.getSize();
        if (type.getSize() <= 0 || need > buffer.remaining()) {
            throw new FormatException("HDF5 attribute '" + name + "' needs " + need + " bytes but holds " + buffer.remaining()
                    + " (malformed HDF5 file)");
        }
        if (type instanceof StringData s) return Optional.of(fixed(buffer.duplicate(), (int) count, s));
        if (type instanceof VariableLength v && v.isVariableLengthString()) {
            List<String> out = new ArrayList<>();
            flatten(file.call(what, a::getData), out, 0);
            return Optional.of(out);
        }
        if (type instanceof FixedPoint || type instanceof FloatingPoint) {
            throw new FormatException("HDF5 attribute '" + name + "' holds " + count + " numbers, not strings");
        }
        throw new FormatException("HDF5 attribute '" + name + "' holds " + type.getClass().getSimpleName() + " values, not strings");
    }

    private static List<String> fixed(ByteBuffer b, int count, StringData type) {
        int size = type.getSize();
        List<String> out = new ArrayList<>(count);
        byte[] one = new byte[size];
        for (int i = 0; i < count; i++) {
            b.get(one);
            int end = size;
            if (type.getPaddingType() == StringData.PaddingType.SPACE_PADDED) {
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

    private static void flatten(Object data, List<String> out, int depth) throws FormatException {
        if (data == null) return;
        if (data instanceof String s) {
            out.add(s);
        } else if (data.getClass().isArray() && depth < 32) {
            int n = Array.getLength(data);
            for (int i = 0; i < n; i++) flatten(Array.get(data, i), out, depth + 1);
        } else {
            throw new FormatException("HDF5 attribute holds " + data.getClass().getSimpleName() + " values, not strings");
        }
    }
}
