package io.weightbench.format.pickle;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/** Helpers for the plain Java values the pickle VM produces (see {@link PickleMachine} for the mapping). */
public final class PyValues {

    private PyValues() {}

    /** Python's {@code None}. */
    public enum None { NONE; @Override public String toString() { return "None"; } }

    /** Python {@code bytes}; equality by content, so bytes can be dict keys. */
    public record Bytes(byte[] value) {
        @Override public boolean equals(Object o) { return o instanceof Bytes b && Arrays.equals(value, b.value); }

        @Override public int hashCode() { return Arrays.hashCode(value); }

        @Override public String toString() {
            return "b'" + (value.length <= 32 ? HexFormat.of().formatHex(value) : value.length + " bytes") + "'";
        }
    }

    /**
     * Python {@code bytes} of 1 MiB or more, left in the file: a view of the pickle's bytes, read
     * only when used (a numpy array's data in a Paddle checkpoint). Compared by identity.
     */
    public record LargeBytes(io.weightbench.tensor.ByteSource source) {
        @Override public String toString() { return "b'<" + source.size() + " bytes>'"; }
    }

    /** A complex number from {@code builtins.complex}. */
    public record Complex(double real, double imag) {}

    /** A short, one-line text for a value, for object summaries and metadata. */
    public static String describe(Object v) {
        if (v instanceof String s) return s.length() > 200 ? s.substring(0, 200) + "..." : s;
        if (v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof BigInteger) return v.toString();
        if (v instanceof None) return "None";
        if (v instanceof PyObject o) return o.typeName();
        if (v instanceof PyGlobal g) return g.qualifiedName();
        if (v instanceof PyDict d) return "dict (" + d.size() + " entries)";
        if (v instanceof PyList l) return "list (" + l.size() + " items)";
        if (v instanceof PyTuple t) return "tuple (" + t.size() + " items)";
        return String.valueOf(v);
    }

    /** Like {@link #describe} but with strings quoted, as Python's repr shows them inside a tuple. */
    public static String repr(Object v) {
        if (v instanceof String s) return "'" + describe(s) + "'";
        return describe(v);
    }

    /** The text of a dict key or attribute name as it appears in a tensor key. */
    public static String keyText(Object k) {
        if (k instanceof String s) return s;
        if (k instanceof Bytes b) return new String(b.value(), java.nio.charset.StandardCharsets.ISO_8859_1);
        if (k instanceof PyTuple t) return t.toString();
        return describe(k);
    }

    public static boolean isTruthy(Object v) {
        if (v instanceof Boolean b) return b;
        if (v instanceof Long l) return l != 0;
        return v != None.NONE && v != null;
    }
}
