package io.weightbench.format;

import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.pickle.PickleException;
import io.weightbench.format.pickle.PickleHooks;
import io.weightbench.format.pickle.PyGlobal;
import io.weightbench.format.pickle.PyList;
import io.weightbench.format.pickle.PyTuple;
import io.weightbench.format.pickle.PyValues;
import io.weightbench.format.pickle.Reconstructor;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Quantization;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What torch adds to a pickle: persistent ids that name storages, and the {@code _rebuild_*}
 * reconstructors, which are interpreted here (never called) into lazy {@link TensorValue}s.
 */
final class TorchPickle implements PickleHooks {

    /** Where a container keeps a storage's bytes. */
    @FunctionalInterface
    interface StorageSource {
        Storage storage(String key, DType dtype, long numel, String location) throws IOException;
    }

    /** A storage as it sits in the object tree before a tensor is built over it. */
    record StorageRef(Storage storage) {}

    private final StorageSource source;
    private final Map<String, Storage> storages = new java.util.HashMap<>();

    TorchPickle(StorageSource source) {
        this.source = source;
    }

    /** Every storage the pickle referenced, by key. */
    Map<String, Storage> storages() { return storages; }

    @Override
    public Object persistentLoad(Object pid) throws PickleException {
        if (!(pid instanceof PyTuple t) || t.size() < 1 || !(t.get(0) instanceof String kind)) {
            throw new PickleException("unrecognised persistent id " + PyValues.describe(pid));
        }
        if (kind.equals("module") && t.size() >= 2) return t.get(1); // legacy: the class of a pickled module
        if (!kind.equals("storage") || t.size() < 5) throw new PickleException("unrecognised persistent id " + t);
        DType dtype = storageDType(t.get(1));
        String key = PyValues.keyText(t.get(2));
        String location = PyValues.keyText(t.get(3));
        long numel = asLong(t.get(4), "storage size");
        Storage root = storages.get(key);
        if (root == null) {
            try {
                root = source.storage(key, dtype, numel, location);
            } catch (PickleException e) {
                throw e;
            } catch (IOException | IllegalArgumentException e) {
                throw new PickleException("storage " + key + ": " + e.getMessage());
            }
            storages.put(key, root);
        }
        // legacy format: ('storage', type, root_key, location, root_size, (view_key, offset, view_size))
        if (t.size() >= 6 && t.get(5) instanceof PyTuple view && view.size() == 3) {
            long offset = asLong(view.get(1), "view offset");
            long size = asLong(view.get(2), "view size");
            if (offset < 0 || size < 0 || offset + size > root.numel()) {
                throw new PickleException("storage view [" + offset + ", +" + size + ") lies outside storage " + key
                        + " of " + root.numel() + " elements");
            }
            int item = root.dtype().itemSize();
            return new StorageRef(new Storage(PyValues.keyText(view.get(0)), root.dtype(), size, root.order(),
                    root.location(), root.bytes().slice(offset * item, size * item)));
        }
        return new StorageRef(root);
    }

    @Override
    public Reconstructor reconstructor(PyGlobal g) {
        return switch (g.qualifiedName()) {
            case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> a -> tensor(a, 4, null, false, Optional.empty());
            case "torch._utils._rebuild_tensor_v3" -> a -> tensor(a, 4, a.size() > 6 ? dtypeOf(a.get(6)) : null, false, Optional.empty());
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" ->
                    a -> {
                        TensorValue tv = a.size() >= 1 ? tensorOf(a.get(0)) : null;
                        return tv != null ? new TensorValue(tv.data(), true) : null;
                    };
            case "torch._utils._rebuild_meta_tensor_no_storage" -> TorchPickle::metaTensor;
            case "torch._utils._rebuild_qtensor" -> this::qtensor;
            case "torch._tensor._rebuild_from_type_v2", "torch._tensor._rebuild_from_type" -> a -> {
                // (func, type, args, state): the tensor func rebuilds, viewed as `type` (e.g. Parameter)
                if (a.size() >= 3 && a.get(0) instanceof PyGlobal func && a.get(2) instanceof PyTuple args) {
                    Reconstructor inner = reconstructor(func);
                    if (inner != null && inner.call(args) instanceof TensorValue tv) {
                        boolean param = a.get(1) instanceof PyGlobal type && type.name().equals("Parameter");
                        return new TensorValue(tv.data(), tv.parameter() || param);
                    }
                }
                return null;
            };
            case "torch.Size" -> a -> a.size() > 0 && a.get(0) instanceof PyTuple t ? t : new PyTuple(List.of());
            case "torch.device" -> a -> {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < a.size(); i++) {
                    if (i > 0) sb.append(':');
                    sb.append(PyValues.describe(a.get(i)));
                }
                return sb.toString();
            };
            case "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_doublelist",
                 "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_tensorlist" -> a -> {
                PyList l = new PyList();
                if (a.size() > 0 && a.get(0) instanceof List<?> src) l.addAll(src);
                return l;
            };
            case "torch.jit._pickle.restore_type_tag" -> a -> a.size() > 0 ? a.get(0) : null;
            // the other torch._utils._rebuild_* (sparse, nested, meta, device-from-numpy, subclasses, ...) are
            // listed as placeholders, with a warning from the opener
            default -> null;
        };
    }

    /** A tensor value, or an old-style tensor object that became one ({@link #build}); null otherwise. */
    static TensorValue tensorOf(Object v) {
        if (v instanceof TensorValue tv) return tv;
        if (v instanceof io.weightbench.format.pickle.PyObject o && o.resolved().orElse(null) instanceof TensorValue tv) return tv;
        return null;
    }

    /**
     * Tensors as torch before 0.4 pickled them: an object of {@code torch.Tensor} or a typed class
     * ({@code torch.FloatTensor}, {@code torch.cuda.HalfTensor}) whose state is {@code (storage,
     * storage_offset, size, stride)}; torch's {@code Tensor.__setstate__} still loads them with
     * {@code set_}. Old Variables carry {@code (data, requires_grad, ...)} in a 5-tuple.
     */
    @Override
    public Object build(io.weightbench.format.pickle.PyObject target, Object state) throws PickleException {
        String type = target.typeName();
        if (!type.equals("torch.Tensor") && !((type.startsWith("torch.") || type.startsWith("torch.cuda.")) && type.endsWith("Tensor"))) return null;
        if (!(state instanceof PyTuple t)) return null;
        if (t.size() == 4 && t.get(0) instanceof StorageRef) return tensor(t, 4, null, false, Optional.empty());
        if (t.size() == 5) return tensorOf(t.get(0));
        return null;
    }

    /** {@code _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad)}: a tensor with a shape and no data. */
    private static TensorValue metaTensor(PyTuple a) throws PickleException {
        if (a.size() < 3) throw new PickleException("meta tensor rebuild with " + a.size() + " arguments");
        DType dtype = dtypeOf(a.get(0));
        long[] shape = longs(a.get(1), "size");
        long[] strides = longs(a.get(2), "stride");
        try {
            long extent = 0;
            boolean empty = false;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == 0) empty = true;
                extent = Math.addExact(extent, Math.multiplyExact(Math.max(shape[i] - 1, 0), strides[i]));
            }
            long numel = empty ? 0 : extent + 1;
            if (dtype.isBlockQuantized()) throw new PickleException("meta tensor of " + dtype);
            Storage storage = new Storage("meta", dtype, numel, java.nio.ByteOrder.LITTLE_ENDIAN, "meta",
                    new io.weightbench.tensor.NoData(dtype.bytesFor(numel), "a meta tensor has no data (device='meta': dtype and shape only)"));
            return new TensorValue(new TensorData(storage, dtype, shape, strides, 0, Optional.empty()), false);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new PickleException("meta tensor of shape " + java.util.Arrays.toString(shape) + ": " + e.getMessage());
        }
    }

    private TensorValue tensor(PyTuple a, int minArgs, DType override, boolean parameter, Optional<Quantization> q)
            throws PickleException {
        if (a.size() < minArgs) throw new PickleException("tensor rebuild with " + a.size() + " arguments");
        if (!(a.get(0) instanceof StorageRef ref)) {
            throw new PickleException("tensor rebuild over a " + PyValues.describe(a.get(0)) + ", not a storage");
        }
        Storage storage = ref.storage();
        long offset = asLong(a.get(1), "storage offset");
        long[] shape = longs(a.get(2), "size");
        long[] strides = longs(a.get(3), "stride");
        DType dtype = override != null ? override : storage.dtype();
        if (dtype != storage.dtype()) storage = reinterpret(storage, dtype);
        try {
            return new TensorValue(new TensorData(storage, dtype, shape, strides, offset, q), parameter);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new PickleException("tensor over storage " + storage.key() + ": " + e.getMessage());
        }
    }

    private static Storage reinterpret(Storage s, DType dtype) throws PickleException {
        long bytes = s.nbytes();
        if (bytes % dtype.itemSize() != 0) {
            throw new PickleException("storage " + s.key() + " of " + bytes + " bytes cannot hold whole " + dtype + " elements");
        }
        return new Storage(s.key(), dtype, bytes / dtype.itemSize(), s.order(), s.location(), s.bytes());
    }

    private Object qtensor(PyTuple a) throws PickleException {
        // (storage, storage_offset, size, stride, quantizer_params, requires_grad, backward_hooks)
        if (a.size() < 5 || !(a.get(4) instanceof PyTuple qp) || qp.size() < 1) {
            throw new PickleException("quantized tensor rebuild without quantizer parameters");
        }
        String scheme = qp.get(0) instanceof PyGlobal s ? s.name() : PyValues.describe(qp.get(0));
        Quantization q;
        if (scheme.startsWith("per_tensor") && qp.size() >= 3) {
            q = Quantization.perTensor(scheme, asDouble(qp.get(1)), asLong(qp.get(2), "zero point"));
        } else if (scheme.startsWith("per_channel") && qp.size() >= 4
                && qp.get(1) instanceof TensorValue scales && qp.get(2) instanceof TensorValue zps) {
            q = Quantization.perChannel(scheme, scales.data(), zps.data(), (int) asLong(qp.get(3), "axis"));
        } else {
            throw new PickleException("unsupported quantization scheme " + scheme);
        }
        return tensor(a, 4, null, false, Optional.of(q));
    }

    private static DType storageDType(Object type) throws PickleException {
        if (type instanceof PyGlobal g) {
            if (isUntyped(g)) return DType.UINT8;
            Optional<DType> d = DType.fromStorageName(g.name());
            if (d.isPresent()) return d.get();
            Optional<DType> byName = DType.fromTorchName(g.name());
            if (byName.isPresent()) return byName.get();
            throw new PickleException("unknown storage type " + g.qualifiedName());
        }
        if (type instanceof String s) {
            Optional<DType> d = DType.fromStorageName(s).or(() -> DType.fromTorchName(s));
            if (d.isPresent()) return d.get();
        }
        throw new PickleException("unknown storage type " + PyValues.describe(type));
    }

    private static boolean isUntyped(Object type) {
        return type instanceof PyGlobal g && (g.name().equals("UntypedStorage") || g.name().equals("_UntypedStorage"));
    }

    private static DType dtypeOf(Object v) throws PickleException {
        if (v instanceof PyGlobal g) {
            Optional<DType> d = DType.fromTorchName(g.name());
            if (d.isPresent()) return d.get();
        }
        throw new PickleException("unknown dtype " + PyValues.describe(v));
    }

    static long asLong(Object v, String what) throws PickleException {
        if (v instanceof Long l) return l;
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof BigInteger) throw new PickleException(what + " " + v + " is too large");
        throw new PickleException(what + " is a " + PyValues.describe(v) + ", not an integer");
    }

    private static double asDouble(Object v) throws PickleException {
        if (v instanceof Double d) return d;
        if (v instanceof Long l) return l;
        throw new PickleException("quantization scale is a " + PyValues.describe(v));
    }

    private static long[] longs(Object v, String what) throws PickleException {
        List<?> items;
        if (v instanceof PyTuple t) items = t.items();
        else if (v instanceof List<?> l) items = l;
        else throw new PickleException("tensor " + what + " is a " + PyValues.describe(v) + ", not a tuple");
        if (items.size() > 64) throw new PickleException("tensor " + what + " has " + items.size() + " dimensions");
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) out[i] = asLong(items.get(i), "tensor " + what);
        return out;
    }

    /** The keys of the common non-tensor reconstructors that deserve a warning when left as placeholders. */
    static boolean isUninterpretedTensor(String qualified) {
        return qualified.startsWith("torch._utils._rebuild_") || qualified.startsWith("torch._tensor._rebuild_");
    }
}
