package io.weightbench.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.checkpoint.CheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in catalog of torchvision architectures (shape specs of freshly built models, made by
 * {@code scripts/make_catalog.py}; no weights).
 */
public final class Catalog {

    /** One architecture of the catalog. */
    public record Entry(String name, int tensors, long parameters) {}

    private static final String DIR = "/io/weightbench/model/catalog/";

    private Catalog() {}

    public static List<Entry> entries() throws IOException {
        try (InputStream in = Catalog.class.getResourceAsStream(DIR + "index.json")) {
            if (in == null) throw new IOException("the model catalog is missing from the jar");
            JsonNode index = io.weightbench.json.JsonTree.read(in);
            List<Entry> out = new ArrayList<>();
            for (JsonNode m : index.get("models")) {
                out.add(new Entry(m.get("name").asText(), m.get("tensors").asInt(), m.get("parameters").asLong()));
            }
            return out;
        }
    }

    public static ModelSpec model(String name) throws IOException {
        if (!name.matches("[a-z0-9_]+")) throw new CheckpointException(Path.of(ModelSpec.CATALOG_PREFIX + name), "is not a catalog name");
        try (InputStream in = Catalog.class.getResourceAsStream(DIR + name + ".json")) {
            if (in == null) {
                List<String> names = entries().stream().map(Entry::name).toList();
                throw new CheckpointException(Path.of(ModelSpec.CATALOG_PREFIX + name), "is not in the catalog (known: " + String.join(", ", names) + ")");
            }
            return ModelSpec.fromShapeSpec(ModelSpec.CATALOG_PREFIX + name, in, Path.of(ModelSpec.CATALOG_PREFIX + name));
        }
    }
}
