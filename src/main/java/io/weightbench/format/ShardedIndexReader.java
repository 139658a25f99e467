package io.weightbench.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.pickle.PyDict;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sharded checkpoint through its index ({@code model.safetensors.index.json},
 * {@code pytorch_model.bin.index.json}): every shard is opened lazily with its own reader and the
 * tensors are listed in the index's order under the index's keys.
 */
final class ShardedIndexReader implements CheckpointReader {

    static final long MAX_INDEX = 64L * 1024 * 1024;

    @Override
    public boolean probe(Probe probe) throws IOException {
        byte[] head = probe.head();
        int i = 0;
        while (i < head.length && Character.isWhitespace(head[i])) i++;
        if (i >= head.length || head[i] != '{' || probe.file().size() > MAX_INDEX) return false;
        return new String(head, java.nio.charset.StandardCharsets.UTF_8).contains("\"weight_map\"") || parse(probe).has("weight_map");
    }

    private static JsonNode parse(Probe probe) throws IOException {
        byte[] all = new byte[(int) probe.file().size()];
        probe.file().read(0, all, 0, all.length);
        try {
            return io.weightbench.json.JsonTree.read(all);
        } catch (JsonProcessingException e) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
    }

    @Override
    public Checkpoint open(Probe probe, Formats formats) throws IOException {
        JsonNode index = parse(probe);
        JsonNode map = index.get("weight_map");
        if (map == null || !map.isObject()) throw new FormatException("sharded index has no weight_map object");
        Path dir = probe.path().toAbsolutePath().getParent();
        Set<String> shardNames = new LinkedHashSet<>();
        map.fields().forEachRemaining(e -> shardNames.add(e.getValue().asText()));
        List<Closeable> resources = new ArrayList<>();
        resources.add(probe.file());
        Map<String, Checkpoint> shards = new HashMap<>();
        boolean ok = false;
        try {
            String shardFormat = null;
            for (String name : shardNames) {
                Path shardPath = dir.resolve(name).normalize();
                if (!shardPath.startsWith(dir)) throw new FormatException("shard '" + name + "' lies outside the index's folder");
                Checkpoint shard = formats.open(shardPath);
                resources.add(shard);
                shards.put(name, shard);
                String f = shard.format().equals("safetensors") ? "safetensors-sharded" : "torch-sharded";
                if (shardFormat == null) shardFormat = f;
            }
            PyDict tree = new PyDict();
            List<String> warnings = new ArrayList<>();
            Map<String, Map<String, TensorEntry>> byShard = new HashMap<>();
            for (Map.Entry<String, Checkpoint> s : shards.entrySet()) {
                Map<String, TensorEntry> m = new LinkedHashMap<>();
                for (TensorEntry t : s.getValue().weights()) m.put(t.key(), t);
                byShard.put(s.getKey(), m);
            }
            var fields = map.fields();
            while (fields.hasNext()) {
                var e = fields.next();
                TensorEntry t = byShard.get(e.getValue().asText()).remove(e.getKey());
                if (t == null) {
                    warnings.add("index lists '" + e.getKey() + "' in " + e.getValue().asText() + ", but that shard does not hold it");
                    continue;
                }
                tree.put(e.getKey(), new TensorValue(t.data(), t.parameter()));
            }
            for (Map.Entry<String, Map<String, TensorEntry>> s : byShard.entrySet()) {
                if (!s.getValue().isEmpty()) {
                    warnings.add("shard " + s.getKey() + " holds " + s.getValue().size() + " tensors the index does not list (first: "
                            + s.getValue().keySet().iterator().next() + ")");
                }
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("shards", Integer.toString(shardNames.size()));
            JsonNode m = index.get("metadata");
            if (m != null && m.isObject()) m.fields().forEachRemaining(x -> meta.put(x.getKey(), x.getValue().isTextual() ? x.getValue().asText() : x.getValue().toString()));
            Checkpoint c = Checkpoint.of(probe.path(), shardFormat == null ? "safetensors-sharded" : shardFormat, tree, meta, warnings, resources);
            ok = true;
            return c;
        } finally {
            if (!ok) {
                for (Closeable c : resources) {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // reporting the open's failure matters more
                    }
                }
            }
        }
    }
}
