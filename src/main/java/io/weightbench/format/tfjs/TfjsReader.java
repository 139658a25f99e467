package io.weightbench.format.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Probe;
import io.weightbench.format.SourceFiles;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.ConcatSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * TensorFlow.js models ({@code model.json} with a {@code weightsManifest}, layers or graph model):
 * each manifest group's weights lie one after another across the group's shard files (a weight may
 * span two shards). Keys are the manifest's names. Weights quantized by the converter (uint8, uint16
 * affine; float16) are shown dequantized as tfjs does when it loads them; graph models also say which
 * op consumes each weight.
 */
public final class TfjsReader implements CheckpointReader {

    static final String FORMAT = "tfjs";

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        Optional<JsonNode> json = probe.json();
        if (json.isEmpty() || !json.get().path("weightsManifest").isArray()) return Optional.empty();
        return Optional.of(formats -> open(probe.path(), json.get(), probe.files()));
    }

    @Override
    public Optional<Opener> probeFolder(SourceFiles folder) throws IOException {
        if (!folder.exists("model.json")) return Optional.empty();
        MappedFile f = folder.open("model.json");
        if (f.size() > 64L << 20) return Optional.empty();
        byte[] all = new byte[(int) f.size()];
        f.read(0, all, 0, all.length);
        JsonNode json;
        try {
            json = io.weightbench.json.JsonTree.read(all);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        }
        if (!json.path("weightsManifest").isArray()) return Optional.empty();
        return Optional.of(formats -> open(folder.named(), json, folder));
    }

    private static Checkpoint open(java.nio.file.Path path, JsonNode model, SourceFiles files) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        String format = text(model, "format");
        meta.put("tfjs_format", format.isEmpty() ? (model.has("modelTopology") ? "layers-model (no format field)" : "weights only") : format);
        putIfText(meta, "generated_by", model, "generatedBy");
        putIfText(meta, "converted_by", model, "convertedBy");
        JsonNode topology = model.path("modelTopology");
        Map<String, String> consumers = new HashMap<>();
        if (topology.isObject()) describeTopology(topology, meta, consumers);

        PyDict tree = new PyDict();
        List<String> strings = new ArrayList<>();
        JsonNode groups = model.get("weightsManifest");
        int shardCount = 0;
        for (int g = 0; g < groups.size(); g++) {
            JsonNode group = groups.get(g);
            JsonNode paths = group.path("paths");
            if (!paths.isArray()) throw new FormatException("weightsManifest group " + g + " has no 'paths' list");
            List<ByteSource> shards = new ArrayList<>();
            for (JsonNode p : paths) {
                if (!p.isTextual()) throw new FormatException("weightsManifest group " + g + " has a shard path that is not a string");
                shards.add(files.open(p.asText()));
            }
            shardCount += shards.size();
            ConcatSource data = new ConcatSource(shards);
            long offset = 0;
            for (JsonNode w : group.path("weights")) {
                WeightSpec spec = WeightSpec.of(w);
                long length = spec.byteLength(data, offset);
                if (offset + length > data.size()) {
                    throw new FormatException("weight '" + spec.name() + "' (" + length + " bytes at offset " + offset + " of group " + g
                            + ") runs past the end of its shard files (" + data.size() + " bytes)");
                }
                if (spec.dtype().equals("string")) {
                    strings.add(spec.name());
                } else {
                    if (tree.containsKey(spec.name())) throw new FormatException("the manifest names weight '" + spec.name() + "' twice");
                    Map<String, String> info = new LinkedHashMap<>();
                    if (groups.size() > 1) info.put("group", Integer.toString(g));
                    spec.quantization().ifPresent(q -> info.put("quantization", q.describe()));
                    String consumer = consumers.get(spec.name());
                    if (consumer != null) info.put("op", consumer);
                    tree.put(spec.name(), new TensorValue(tensor(spec, data.slice(offset, length)), false, info));
                }
                offset += length;
            }
            if (offset < data.size()) warnings.add("group " + g + "'s shard files hold " + (data.size() - offset) + " bytes after its last weight");
        }
        meta.put("weight_groups", Integer.toString(groups.size()));
        meta.put("shard_files", Integer.toString(shardCount));
        if (!strings.isEmpty()) {
            warnings.add(strings.size() + " string weight" + (strings.size() == 1 ? "" : "s") + " (not tensors): "
                    + String.join(", ", strings.subList(0, Math.min(5, strings.size()))) + (strings.size() > 5 ? ", ..." : ""));
        }
        return Checkpoint.of(path, FORMAT, tree, meta, warnings, List.of(files));
    }

    /** The tensor as tfjs would hold it: stored bytes as they are, or the dequantized values of a quantized weight. */
    private static TensorData tensor(WeightSpec spec, ByteSource bytes) throws FormatException {
        DType dtype = spec.tensorDType();
        ByteSource values = spec.quantization().isPresent() ? new DequantizedSource(bytes, spec.quantization().get(), dtype, spec.numel()) : bytes;
        Storage storage = new Storage(spec.name(), dtype, spec.numel(), ByteOrder.LITTLE_ENDIAN, "cpu", values);
        return TensorData.contiguous(storage, spec.shape());
    }

    /** Layer count (layers models) or node count, and for graph models which op consumes each weight. */
    private static void describeTopology(JsonNode topology, Map<String, String> meta, Map<String, String> consumers) {
        JsonNode nodes = topology.path("node");
        if (nodes.isArray()) {
            meta.put("graph_nodes", Integer.toString(nodes.size()));
            Map<String, List<String>> ops = new HashMap<>();
            for (JsonNode n : nodes) {
                String op = text(n, "op");
                for (JsonNode in : n.path("input")) {
                    String name = in.asText();
                    int colon = name.indexOf(':');
                    if (colon > 0) name = name.substring(0, colon);
                    if (name.startsWith("^")) continue; // a control dependency, not a data input
                    ops.computeIfAbsent(name, k -> new ArrayList<>()).add(op);
                }
            }
            for (Map.Entry<String, List<String>> e : ops.entrySet()) {
                List<String> list = e.getValue();
                consumers.put(e.getKey(), list.size() == 1 ? list.get(0) : String.join(", ", new java.util.LinkedHashSet<>(list)));
            }
            return;
        }
        JsonNode inner = topology.has("model_config") ? topology.path("model_config") : topology;
        String cls = text(inner, "class_name");
        if (!cls.isEmpty()) meta.put("model_class", cls);
        JsonNode layers = inner.path("config").path("layers");
        if (layers.isArray()) meta.put("layers", Integer.toString(layers.size()));
        putIfText(meta, "keras_version", topology, "keras_version");
        putIfText(meta, "backend", topology, "backend");
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : "";
    }

    private static void putIfText(Map<String, String> meta, String key, JsonNode n, String field) {
        String v = text(n, field);
        if (!v.isEmpty()) meta.put(key, v);
    }
}
