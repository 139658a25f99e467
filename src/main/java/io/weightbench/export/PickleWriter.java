package io.weightbench.export;

import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyList;
import io.weightbench.format.pickle.PyTuple;
import io.weightbench.format.pickle.PyValues;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.TensorData;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the pickle of a torch zip archive ({@code data.pkl}) in protocol 2, using only what
 * {@code torch.load(weights_only=True)} accepts: dicts, lists, tuples, strings, numbers, booleans,
 * None, {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and typed storages.
 * Anything else (placeholder objects, bytes, sets, numpy arrays) is left out and reported by key.
 * Every tensor gets a storage record of its own, named by {@link #storages()} order.
 */
final class PickleWriter {

    /** A storage to write: the record name and the tensor whose canonical bytes fill it. */
    record StorageRecord(String name, TensorData tensor) {}

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<StorageRecord> storages = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private final Map<Object, Boolean> onPath = new IdentityHashMap<>();

    byte[] pickle(Object root) {
        out.write(0x80);
        out.write(2);
        write(root, "");
        out.write('.');
        return out.toByteArray();
    }

    List<StorageRecord> storages() { return storages; }

    /** Keys of the values that could not be written safely and were left out. */
    List<String> skipped() { return skipped; }

    private void write(Object v, String key) {
        if (v instanceof TensorValue t) {
            tensor(t.data());
        } else if (v == PyValues.None.NONE) {
            out.write('N');
        } else if (v instanceof Boolean b) {
            out.write(b ? 0x88 : 0x89);
        } else if (v instanceof Long l) {
            integer(l);
        } else if (v instanceof BigInteger b) {
            long1(b);
        } else if (v instanceof Double d) {
            out.write('G');
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(d).array());
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof PyDict d) {
            dict(d, key);
        } else if (v instanceof PyList l) {
            if (onPath.put(l, true) != null) {
                skip(key, "a list that contains itself");
                return;
            }
            out.write(']');
            if (!l.isEmpty()) {
                out.write('(');
                for (int i = 0; i < l.size(); i++) write(l.get(i), join(key, Integer.toString(i)));
                out.write('e');
            }
            onPath.remove(l);
        } else if (v instanceof PyTuple t) {
            out.write('(');
            for (int i = 0; i < t.size(); i++) write(t.get(i), join(key, Integer.toString(i)));
            out.write('t');
        } else {
            skip(key, PyValues.describe(v));
            out.write('N');
        }
    }

    private void dict(PyDict d, String key) {
        if (onPath.put(d, true) != null) {
            skip(key, "a dict that contains itself");
            out.write('N');
            return;
        }
        boolean ordered = !d.typeName().equals("builtins.dict");
        if (ordered) {
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
        } else {
            out.write('}');
        }
        List<Map.Entry<Object, Object>> entries = new ArrayList<>();
        for (Map.Entry<Object, Object> e : d.entrySet()) {
            Object k = e.getKey();
            String childKey = join(key, PyValues.keyText(k));
            boolean keyOk = k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double
                    || k == PyValues.None.NONE;
            if (!keyOk || !writable(e.getValue())) {
                skip(childKey, keyOk ? PyValues.describe(e.getValue()) : "a key of type " + PyValues.describe(k));
                continue;
            }
            entries.add(e);
        }
        if (!entries.isEmpty()) {
            out.write('(');
            for (Map.Entry<Object, Object> e : entries) {
                write(e.getKey(), key);
                write(e.getValue(), join(key, PyValues.keyText(e.getKey())));
            }
            out.write('u');
        }
        onPath.remove(d);
    }

    /** Whether a dict value can be written (otherwise the entry is left out rather than set to None). */
    private static boolean writable(Object v) {
        return v instanceof TensorValue || v == PyValues.None.NONE || v instanceof Boolean || v instanceof Long
                || v instanceof BigInteger || v instanceof Double || v instanceof String || v instanceof PyDict
                || v instanceof PyList || v instanceof PyTuple;
    }

    private void tensor(TensorData t) {
        String name = Integer.toString(storages.size());
        storages.add(new StorageRecord(name, t));
        global("torch._utils", "_rebuild_tensor_v2");
        out.write('(');
        // persistent id: ('storage', torch.<Type>Storage, name, 'cpu', numel)
        out.write('(');
        string("storage");
        global("torch", storageClass(t.dtype()));
        string(name);
        string("cpu");
        integer(t.numel());
        out.write('t');
        out.write('Q');
        integer(0);
        out.write('(');
        for (long d : t.shape()) integer(d);
        out.write('t');
        out.write('(');
        for (long s : io.weightbench.tensor.TensorData.contiguousStrides(t.shape())) integer(s);
        out.write('t');
        out.write(0x89); // requires_grad False
        global("collections", "OrderedDict");
        out.write(')');
        out.write('R');
        out.write('t');
        out.write('R');
    }

    static String storageClass(DType dtype) {
        if (dtype.isQuantized()) throw new IllegalArgumentException("quantized tensors cannot be exported yet");
        if (dtype.isBlockQuantized()) throw new IllegalArgumentException(dtype + " has no torch dtype: add a cast rule (to float32, float16 or bfloat16)");
        return dtype.storageName();
    }

    private void global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    private void integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            out.write((int) (v & 0xff));
            out.write((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            long1(BigInteger.valueOf(v));
        }
    }

    private void long1(BigInteger v) {
        byte[] be = v.toByteArray();
        byte[] le = new byte[be.length];
        for (int i = 0; i < be.length; i++) le[i] = be[be.length - 1 - i];
        out.write(0x8a);
        out.write(le.length);
        out.writeBytes(le);
    }

    private void skip(String key, String what) {
        skipped.add((key.isEmpty() ? "(top level)" : key) + " (" + what + ")");
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "." + b;
    }
}
