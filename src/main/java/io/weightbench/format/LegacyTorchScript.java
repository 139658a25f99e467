package io.weightbench.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.pickle.PickleException;
import io.weightbench.format.pickle.PickleHooks;
import io.weightbench.format.pickle.PickleMachine;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyGlobal;
import io.weightbench.format.pickle.PyTuple;
import io.weightbench.format.pickle.Reconstructor;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * TorchScript archives of torch 1.0-1.2: {@code model.json} (a JSON-encoded protobuf ModelDef) with
 * a tensor table over {@code tensors/N} records, and {@code attributes.pkl} for module attributes.
 * Read into the same object tree as the newer format: modules as dicts of their parameters,
 * tensor attributes and submodules, so keys are state_dict keys.
 */
final class LegacyTorchScript {

    private LegacyTorchScript() {}

    static Object read(ZipArchive zip, String top, ZipArchive.Entry modelJson) throws IOException {
        JsonNode model;
        try {
            model = io.weightbench.json.JsonTree.read(zip.readSmall(modelJson, 256L << 20));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new FormatException("model.json is not valid JSON: " + e.getOriginalMessage());
        }
        List<TensorValue> table = new ArrayList<>();
        int i = 0;
        for (JsonNode t : model.path("tensors")) table.add(tensor(zip, top, t, i++));
        List<Object> attributes = new ArrayList<>();
        ZipArchive.Entry attrs = zip.entries().get(top + "attributes.pkl");
        if (attrs != null) {
            PickleMachine vm = new PickleMachine(ByteSource.of(zip.readSmall(attrs, 1L << 30)), 0, new PickleHooks() {
                @Override public Object persistentLoad(Object pid) throws PickleException {
                    throw new PickleException("attributes.pkl: unexpected persistent id");
                }

                @Override public Reconstructor reconstructor(PyGlobal g) {
                    if (!g.is("torch.jit._pickle.build_tensor_from_id")) return null;
                    return args -> {
                        if (args.size() != 1 || !(args.get(0) instanceof Long id)) return null;
                        if (id < 0 || id >= table.size()) throw new PickleException("attributes.pkl: tensor id " + id + " is not in the tensor table");
                        return table.get(id.intValue());
                    };
                }
            }, PickleMachine.Limits.DEFAULT);
            Object v = vm.load();
            if (v instanceof PyTuple t) attributes.addAll(t.items());
            else if (v instanceof List<?> l) attributes.addAll(l);
        }
        JsonNode main = model.path("mainModule");
        if (!main.isObject()) throw new FormatException("model.json has no mainModule");
        return module(main, table, attributes, 0);
    }

    private static PyDict module(JsonNode m, List<TensorValue> table, List<Object> attributes, int depth) throws FormatException {
        if (depth > 200) throw new FormatException("model.json nests modules deeper than 200 levels");
        PyDict d = new PyDict("collections.OrderedDict");
        for (JsonNode p : m.path("parameters")) {
            int id = p.path("tensorId").asInt(-1);
            if (id < 0 || id >= table.size()) throw new FormatException("model.json parameter " + p.path("name").asText() + " names tensor " + id);
            d.put(p.path("name").asText(), table.get(id));
        }
        for (JsonNode a : m.path("attributes")) {
            int id = a.path("id").asInt(-1);
            if (id >= 0 && id < attributes.size()) d.put(a.path("name").asText(), attributes.get(id));
        }
        for (JsonNode s : m.path("submodules")) d.put(s.path("name").asText(), module(s, table, attributes, depth + 1));
        return d;
    }

    private static TensorValue tensor(ZipArchive zip, String top, JsonNode t, int index) throws IOException {
        String type = t.path("dataType").asText();
        DType dtype = switch (type) {
            case "FLOAT" -> DType.FLOAT32;
            case "DOUBLE" -> DType.FLOAT64;
            case "HALF", "FLOAT16" -> DType.FLOAT16;
            case "INT64" -> DType.INT64;
            case "INT32" -> DType.INT32;
            case "INT16" -> DType.INT16;
            case "INT8" -> DType.INT8;
            case "UINT8" -> DType.UINT8;
            case "BOOL" -> DType.BOOL;
            default -> throw new FormatException("model.json tensor " + index + " has unsupported dataType " + type);
        };
        String key = t.path("data").path("key").asText();
        ZipArchive.Entry rec = zip.entries().get(top + key);
        if (rec == null) throw new FormatException("model.json tensor " + index + ": record " + key + " is missing");
        long[] dims = longs(t.path("dims"));
        long[] strides = longs(t.path("strides"));
        long offset = t.path("offset").asLong(0);
        ByteSource bytes = zip.bytes(rec);
        Storage storage = new Storage(key, dtype, bytes.size() / dtype.itemSize(), ByteOrder.LITTLE_ENDIAN, t.path("device").asText("cpu"), bytes);
        try {
            return new TensorValue(new TensorData(storage, dtype, dims, strides, offset, Optional.empty()), t.path("requiresGrad").asBoolean());
        } catch (IllegalArgumentException e) {
            throw new FormatException("model.json tensor " + index + ": " + e.getMessage());
        }
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
        return out;
    }
}
