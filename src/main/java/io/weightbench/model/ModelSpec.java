package io.weightbench.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.CheckpointException;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What a model expects to load: its state_dict keys with shapes and dtypes. From a template
 * checkpoint (a fresh model's state_dict), a TorchScript file, a shape-spec JSON
 * ({@code {"key": {"shape": [...], "dtype": "float32"}}}) or the built-in catalog
 * ({@code catalog:resnet50}).
 */
public record ModelSpec(String source, List<TensorSpec> tensors) {

    public static final String CATALOG_PREFIX = "catalog:";

    public ModelSpec {
        tensors = List.copyOf(tensors);
    }

    /** Loads a model from any of the supported sources, named as on the command line. */
    public static ModelSpec load(String source) throws IOException {
        if (source.startsWith(CATALOG_PREFIX)) return Catalog.model(source.substring(CATALOG_PREFIX.length()));
        Path p = Path.of(source);
        if (Files.isRegularFile(p) && looksLikeJson(p)) {
            try (InputStream in = Files.newInputStream(p)) {
                return fromShapeSpec(source, in, p);
            }
        }
        try (Checkpoint c = Formats.standard().open(p)) {
            return fromCheckpoint(c);
        }
    }

    /** The tensors of a checkpoint's weights entry, keys relative to it. */
    public static ModelSpec fromCheckpoint(Checkpoint c) {
        List<TensorSpec> out = new ArrayList<>();
        for (TensorEntry t : c.weights()) out.add(TensorSpec.of(t.key(), t.data().shape(), t.data().dtype()));
        return new ModelSpec(c.file().toString(), out);
    }

    static ModelSpec fromShapeSpec(String source, InputStream in, Path file) throws IOException {
        JsonNode root;
        try {
            root = io.weightbench.json.JsonTree.read(in);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CheckpointException(file, "is not a valid shape-spec JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new CheckpointException(file, "shape spec must be a JSON object of key -> {shape, dtype}");
        List<TensorSpec> out = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isObject() || !v.path("shape").isArray()) {
                throw new CheckpointException(file, "shape spec entry '" + e.getKey() + "' needs {\"shape\": [...], \"dtype\": ...}");
            }
            List<Long> shape = new ArrayList<>();
            for (JsonNode d : v.get("shape")) {
                if (!d.canConvertToLong() || d.asLong() < 0) throw new CheckpointException(file, "shape spec entry '" + e.getKey() + "' has a bad shape " + v.get("shape"));
                shape.add(d.asLong());
            }
            String dt = v.path("dtype").asText("float32");
            DType dtype = DType.fromTorchName(dt).orElseThrow(() -> new CheckpointException(file, "shape spec entry '" + e.getKey() + "' has unknown dtype " + dt));
            out.add(new TensorSpec(e.getKey(), shape, dtype));
        }
        return new ModelSpec(source, out);
    }

    private static boolean looksLikeJson(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            int c;
            while ((c = in.read()) != -1) {
                if (!Character.isWhitespace(c)) return c == '{' && !isShardIndex(p);
            }
        }
        return false;
    }

    private static boolean isShardIndex(Path p) throws IOException {
        if (Files.size(p) > 64L << 20) return false;
        return Files.readString(p).contains("\"weight_map\"");
    }
}
