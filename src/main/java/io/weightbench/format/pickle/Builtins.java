package io.weightbench.format.pickle;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few Python callables that are safe and common enough in checkpoints to interpret directly:
 * containers, {@code _codecs.encode}, copyreg's reconstructor and numpy arrays, dtypes and scalars.
 */
final class Builtins {

    private Builtins() {}

    /** numpy's dtype object, as far as checkpoints need it. */
    static final class NumpyDType {
        String code;
        char order = '=';

        NumpyDType(String code) { this.code = code; }

        String descr() {
            String c = code;
            if (c.length() > 0 && "<>|=".indexOf(c.charAt(0)) >= 0) return c;
            char o = order == '=' ? '<' : order;
            return o + c;
        }

        @Override public String toString() { return "numpy.dtype(" + descr() + ")"; }
    }

    /** How the VM interprets a call of this builtin callable, or null if it does not. */
    static Reconstructor reconstructor(PyGlobal g) {
        String name = normalize(g.qualifiedName());
        return switch (name) {
            case "collections.defaultdict" -> args -> new PyDict(name);
            case "collections.OrderedDict", "builtins.dict" -> args -> {
                PyDict d = new PyDict(name);
                Object first = args.size() > 0 ? args.get(0) : null;
                if (first instanceof PyDict src) d.putAll(src);
                if (first instanceof List<?> pairs) addPairs(d, pairs);
                if (first instanceof PyTuple t) addPairs(d, t.items());
                return d;
            };
            case "builtins.list" -> args -> {
                PyList l = new PyList();
                if (args.size() > 0) l.addAll(iterable(args.get(0)));
                return l;
            };
            case "builtins.tuple" -> args -> new PyTuple(args.size() > 0 ? iterable(args.get(0)) : List.of());
            case "builtins.set", "builtins.frozenset" -> args -> {
                PySet s = new PySet();
                if (args.size() > 0) s.addAll(iterable(args.get(0)));
                return s;
            };
            case "builtins.bytearray", "builtins.bytes" -> args -> {
                if (args.size() == 0) return new PyValues.Bytes(new byte[0]);
                if (args.get(0) instanceof PyValues.Bytes b) return b;
                if (args.get(0) instanceof PyValues.LargeBytes b) return b;
                if (args.get(0) instanceof String s) return new PyValues.Bytes(s.getBytes(StandardCharsets.ISO_8859_1));
                return null;
            };
            case "builtins.complex" -> args -> {
                double re = args.size() > 0 ? toDouble(args.get(0)) : 0;
                double im = args.size() > 1 ? toDouble(args.get(1)) : 0;
                return new PyValues.Complex(re, im);
            };
            case "builtins.int", "builtins.long" -> args -> {
                if (args.size() > 0 && (args.get(0) instanceof Long || args.get(0) instanceof BigInteger)) return args.get(0);
                return null;
            };
            case "builtins.float" -> args -> {
                if (args.size() > 0 && args.get(0) instanceof Double) return args.get(0);
                return null;
            };
            case "_codecs.encode" -> args -> {
                // protocol 2's way of writing bytes: _codecs.encode(text, 'latin1')
                if (args.size() >= 1 && args.get(0) instanceof String s) {
                    String enc = args.size() > 1 && args.get(1) instanceof String e ? e : "utf-8";
                    byte[] b = enc.equalsIgnoreCase("latin1") || enc.equalsIgnoreCase("latin-1")
                            ? s.getBytes(StandardCharsets.ISO_8859_1) : s.getBytes(StandardCharsets.UTF_8);
                    return new PyValues.Bytes(b);
                }
                return null;
            };
            case "copyreg._reconstructor" -> args -> {
                // copyreg._reconstructor(cls, base, state): an instance of cls, still inert.
                if (args.size() >= 1 && args.get(0) instanceof PyGlobal cls) {
                    if (isDictType(cls)) return new PyDict(cls.qualifiedName());
                    return new PyObject(cls, new PyTuple(List.of()));
                }
                return null;
            };
            case "numpy.core.multiarray._reconstruct" -> args -> new NumpyArray();
            case "numpy.dtype" -> args -> {
                if (args.size() >= 1 && args.get(0) instanceof String code) return new NumpyDType(code);
                return null;
            };
            case "numpy.core.multiarray.scalar" -> args -> {
                if (args.size() >= 2 && args.get(0) instanceof NumpyDType dt && args.get(1) instanceof PyValues.Bytes b) {
                    return decodeScalar(dt.descr(), b.value());
                }
                return null;
            };
            default -> null;
        };
    }

    static Optional<Object> instantiate(PyGlobal g, PyTuple args) throws PickleException {
        String name = normalize(g.qualifiedName());
        if (isDictType(g) || name.equals("builtins.dict") || name.equals("builtins.list")
                || name.equals("builtins.set") || name.equals("builtins.frozenset")) {
            return Optional.ofNullable(reconstructor(g).call(args));
        }
        if (name.equals("builtins.object")) return Optional.of(new PyObject(g, args));
        return Optional.empty();
    }

    /** Applies BUILD state to values this class creates; false if the target is not one of them. */
    static boolean build(Object target, Object state) {
        if (target instanceof NumpyDType dt && state instanceof PyTuple t && t.size() >= 2 && t.get(1) instanceof String o && !o.isEmpty()) {
            dt.order = o.charAt(0);
            return true;
        }
        if (target instanceof NumpyArray a && state instanceof PyTuple t && t.size() >= 5) {
            List<Long> shape = new ArrayList<>();
            if (t.get(1) instanceof PyTuple s) {
                for (Object d : s.items()) if (d instanceof Long l) shape.add(l);
            }
            String descr = t.get(2) instanceof NumpyDType dt ? dt.descr() : "?";
            boolean fortran = PyValues.isTruthy(t.get(3));
            io.weightbench.tensor.ByteSource data = null;
            if (t.get(4) instanceof PyValues.Bytes b) data = io.weightbench.tensor.ByteSource.of(b.value());
            else if (t.get(4) instanceof PyValues.LargeBytes b) data = b.source();
            else if (t.get(4) instanceof String s) data = io.weightbench.tensor.ByteSource.of(s.getBytes(StandardCharsets.ISO_8859_1));
            a.set(descr, List.copyOf(shape), fortran, data);
            return true;
        }
        return false;
    }

    private static boolean isDictType(PyGlobal g) {
        String n = normalize(g.qualifiedName());
        return n.equals("collections.OrderedDict") || n.equals("collections.defaultdict") || n.equals("builtins.dict");
    }

    /** Python 2 and numpy 2 spell some modules differently; fold them onto one name. */
    static String normalize(String qualified) {
        if (qualified.startsWith("__builtin__.")) return "builtins." + qualified.substring(12);
        if (qualified.startsWith("copy_reg.")) return "copyreg." + qualified.substring(9);
        if (qualified.startsWith("numpy._core.")) return "numpy.core." + qualified.substring(12);
        return qualified;
    }

    private static void addPairs(PyDict d, List<?> pairs) {
        for (Object p : pairs) {
            if (p instanceof PyTuple t && t.size() == 2) d.put(t.get(0), t.get(1));
            else if (p instanceof PyList l && l.size() == 2) d.put(l.get(0), l.get(1));
        }
    }

    private static List<Object> iterable(Object v) {
        if (v instanceof PyTuple t) return t.items();
        if (v instanceof List<?> l) return new ArrayList<>(l);
        if (v instanceof java.util.Set<?> s) return new ArrayList<>(s);
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        return List.of();
    }

    private static double toDouble(Object v) {
        if (v instanceof Double d) return d;
        if (v instanceof Long l) return l;
        return 0;
    }

    private static Object decodeScalar(String descr, byte[] b) {
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer bb = ByteBuffer.wrap(b).order(order);
        String body = descr.substring(1);
        try {
            return switch (body) {
                case "f8" -> bb.getDouble();
                case "f4" -> (double) bb.getFloat();
                case "i8", "u8" -> bb.getLong();
                case "i4" -> (long) bb.getInt();
                case "u4" -> bb.getInt() & 0xffffffffL;
                case "i2" -> (long) bb.getShort();
                case "u2" -> (long) (bb.getShort() & 0xffff);
                case "i1" -> (long) bb.get();
                case "u1" -> (long) (bb.get() & 0xff);
                case "b1" -> bb.get() != 0;
                default -> null;
            };
        } catch (java.nio.BufferUnderflowException e) {
            return null;
        }
    }
}
