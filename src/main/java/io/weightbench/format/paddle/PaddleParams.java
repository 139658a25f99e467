package io.weightbench.format.paddle;

import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.FormatException;
import io.weightbench.format.pickle.NumpyArray;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyValues;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.ConcatSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PaddlePaddle's {@code .pdparams} ({@code paddle.save} of a state dict): a pickle of a dict of
 * numpy arrays, plus {@code StructuredToParameterName@@} (each key's internal parameter name) and,
 * for arrays over 4 GB, {@code UnpackBigParamInfor@@} with the slices they were cut into. The pickle
 * is read by the safe pickle machine (numpy's reconstructors interpreted, nothing called); this
 * class turns its arrays into tensors. Keys are the dict's keys verbatim.
 */
public final class PaddleParams {

    public static final String FORMAT = "paddle";
    static final String NAMES = "StructuredToParameterName@@";
    static final String BIG = "UnpackBigParamInfor@@";

    private PaddleParams() {}

    /** Whether an unpickled root is a Paddle state dict: a dict whose values are all numpy arrays (besides Paddle's bookkeeping). */
    public static boolean recognizes(Object root) {
        if (!(root instanceof PyDict d) || d.isEmpty()) return false;
        int arrays = 0;
        for (Map.Entry<Object, Object> e : d.entrySet()) {
            String k = PyValues.keyText(e.getKey());
            if (k.equals(NAMES) || k.equals(BIG)) continue;
            if (!(e.getValue() instanceof NumpyArray)) return false;
            arrays++;
        }
        return arrays > 0;
    }

    /** The tree of tensors (numpy arrays made tensors, big arrays joined again), with what Paddle recorded beside them. */
    public static PyDict tensors(PyDict root, Map<String, String> meta, List<String> warnings) throws FormatException {
        Map<String, String> paramNames = new LinkedHashMap<>();
        if (root.get(NAMES) instanceof PyDict names) {
            for (Map.Entry<Object, Object> e : names.entrySet()) paramNames.put(PyValues.keyText(e.getKey()), PyValues.describe(e.getValue()));
            meta.put("parameter_names", paramNames.size() + " (StructuredToParameterName@@)");
        }
        Map<String, BigParam> big = bigParams(root.get(BIG));
        PyDict tree = new PyDict();
        List<String> objectArrays = new ArrayList<>();
        for (Map.Entry<Object, Object> e : root.entrySet()) {
            String key = PyValues.keyText(e.getKey());
            if (key.equals(NAMES) || key.equals(BIG) || !(e.getValue() instanceof NumpyArray a)) continue;
            if (isSlice(key, big)) continue;
            Map<String, String> info = new LinkedHashMap<>();
            if (paramNames.containsKey(key)) info.put("param_name", paramNames.get(key));
            if (a.data().isEmpty()) {
                objectArrays.add(key);
                continue;
            }
            tree.put(key, new TensorValue(tensor(key, a), false, info));
        }
        for (Map.Entry<String, BigParam> b : big.entrySet()) {
            Map<String, String> info = new LinkedHashMap<>();
            if (paramNames.containsKey(b.getKey())) info.put("param_name", paramNames.get(b.getKey()));
            info.put("slices", Integer.toString(b.getValue().slices().size()));
            tree.put(b.getKey(), new TensorValue(joined(b.getKey(), b.getValue(), root), false, info));
        }
        if (!objectArrays.isEmpty()) {
            warnings.add(objectArrays.size() + " object array(s) hold Python objects, not numbers, and are not read: "
                    + String.join(", ", objectArrays.subList(0, Math.min(5, objectArrays.size()))));
        }
        return tree;
    }

    /** A numpy array as a tensor over its pickled bytes (Fortran order as column-major strides). */
    static TensorData tensor(String key, NumpyArray a) throws FormatException {
        String descr = a.descr();
        DType dtype = DType.fromNumpyDescr(descr).orElseThrow(() -> new FormatException("array '" + key + "' has numpy dtype '" + descr
                + "', which Weightbench does not read"));
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long[] shape = a.shape().stream().mapToLong(Long::longValue).toArray();
        long numel = 1;
        try {
            for (long d : shape) {
                if (d < 0) throw new FormatException("array '" + key + "' has a negative dimension");
                numel = Math.multiplyExact(numel, d);
            }
            Math.multiplyExact(numel, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new FormatException("array '" + key + "' has an impossibly large shape " + a.shape());
        }
        ByteSource data = a.data().orElseThrow();
        if (data.size() != numel * dtype.itemSize()) {
            throw new FormatException("array '" + key + "' of " + descr + a.shape() + " needs " + numel * dtype.itemSize()
                    + " bytes but holds " + data.size());
        }
        Storage s = new Storage(key, dtype, numel, order, "cpu", data);
        if (!a.fortranOrder()) return TensorData.contiguous(s, shape);
        long[] strides = new long[shape.length];
        long st = 1;
        for (int i = 0; i < shape.length; i++) {
            strides[i] = st;
            st *= Math.max(shape[i], 1);
        }
        return new TensorData(s, dtype, shape, strides, 0, Optional.empty());
    }

    private record BigParam(long[] shape, List<String> slices) {}

    /** {@code {name: {"OriginShape": shape, "slices": [slice keys]}}}. */
    private static Map<String, BigParam> bigParams(Object info) throws FormatException {
        Map<String, BigParam> out = new LinkedHashMap<>();
        if (!(info instanceof PyDict d)) return out;
        for (Map.Entry<Object, Object> e : d.entrySet()) {
            String name = PyValues.keyText(e.getKey());
            if (!(e.getValue() instanceof PyDict p)) throw new FormatException(BIG + " entry '" + name + "' is not a dict");
            List<Long> shape = longs(p.get("OriginShape"));
            List<String> slices = new ArrayList<>();
            Object s = p.get("slices");
            List<?> items = s instanceof List<?> l ? l : s instanceof io.weightbench.format.pickle.PyTuple t ? t.items() : null;
            if (shape == null || items == null) throw new FormatException(BIG + " entry '" + name + "' lacks OriginShape or slices");
            for (Object x : items) slices.add(PyValues.keyText(x));
            out.put(name, new BigParam(shape.stream().mapToLong(Long::longValue).toArray(), slices));
        }
        return out;
    }

    private static List<Long> longs(Object v) {
        List<?> items = v instanceof List<?> l ? l : v instanceof io.weightbench.format.pickle.PyTuple t ? t.items() : null;
        if (items == null) return null;
        List<Long> out = new ArrayList<>();
        for (Object x : items) {
            if (!(x instanceof Long n)) return null;
            out.add(n);
        }
        return out;
    }

    private static boolean isSlice(String key, Map<String, BigParam> big) {
        for (BigParam b : big.values()) if (b.slices().contains(key)) return true;
        return false;
    }

    /** A big parameter's flat slices, joined in order and given its original shape. */
    private static TensorData joined(String name, BigParam b, PyDict root) throws FormatException {
        List<ByteSource> parts = new ArrayList<>();
        DType dtype = null;
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        for (String slice : b.slices()) {
            if (!(root.get(slice) instanceof NumpyArray a) || a.data().isEmpty()) throw new FormatException("big parameter '" + name + "' lacks its slice '" + slice + "'");
            TensorData t = tensor(slice, a);
            if (dtype != null && t.dtype() != dtype) throw new FormatException("big parameter '" + name + "' has slices of different dtypes");
            dtype = t.dtype();
            order = t.storage().order();
            parts.add(a.data().get());
        }
        if (dtype == null) throw new FormatException("big parameter '" + name + "' has no slices");
        long numel = 1;
        for (long d : b.shape()) numel = Math.multiplyExact(numel, d);
        ConcatSource all = new ConcatSource(parts);
        if (all.size() != numel * dtype.itemSize()) {
            throw new FormatException("big parameter '" + name + "' of shape " + java.util.Arrays.toString(b.shape()) + " has "
                    + all.size() + " bytes in its slices");
        }
        return TensorData.contiguous(new Storage(name, dtype, numel, order, "cpu", all), b.shape());
    }
}
