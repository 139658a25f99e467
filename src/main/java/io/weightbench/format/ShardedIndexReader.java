package io.weightbench.format;

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
import java.util.Optional;
import java.util.Set;

/**
 * A sharded checkpoint through its index ({@code model.safetensors.index.json},
 * {@code pytorch_model.bin.index.json}): every shard is opened lazily with its own reader and the
 * tensors are listed in the index's order under the index's keys.
 */
final class ShardedIndexReader implements CheckpointReader {

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        Optional<JsonNode> index = probe.json();
        if (index.isEmpty() || !index.get().has("weight_map")) return Optional.empty();
        return Optional.of(formats -> open(probe, index.get(), formats));
    }

    private static Checkpoint open(Probe probe, JsonNode index, Formats formats) throws IOException {
        JsonNode map = index.get("weight_map");
        if (map == null || !map.isObject()) throw new FormatException("sharded index has no weight_map object");
        Set<String> shardNames = new LinkedHashSet<>();
        map.fields().forEachRemaining(e -> shardNames.add(e.getValue().asText()));
        if (shardNames.size() > SourceFiles.MAX_FILES) {
            throw new FormatException("sharded index names " + shardNames.size() + " shards, over the limit of " + SourceFiles.MAX_FILES);
        }
        List<Closeable> resources = new ArrayList<>();
        resources.add(probe.files());
        Map<String, Checkpoint> shards = new HashMap<>();
        Map<Path, Checkpoint> byFile = new HashMap<>();
        boolean ok = false;
        try {
            String shardFormat = null;
            List<String> shardWarnings = new ArrayList<>();
            int shardWarningsLeftOut = 0;
            for (String name : shardNames) {
                Path shardPath = probe.files().path(name);
                Path real = java.nio.file.Files.exists(shardPath) ? shardPath.toRealPath() : shardPath;
                Checkpoint shard = byFile.get(real);
                if (shard == null) {
                    shard = formats.open(shardPath);
                    resources.add(shard);
                    byFile.put(real, shard);
                    for (String w : shard.warnings()) {
                        if (shardWarnings.size() < 20) shardWarnings.add(name + ": " + w);
                        else shardWarningsLeftOut++;
                    }
                }
                shards.put(name, shard);
                String f = shard.format().equals("safetensors") ? "safetensors-sharded" : "torch-sharded";
                if (shardFormat == null) shardFormat = f;
            }
            PyDict tree = new PyDict();
            List<String> warnings = new ArrayList<>(shardWarnings);
            if (shardWarningsLeftOut > 0) warnings.add("and " + shardWarningsLeftOut + " more warnings of the shards");
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
