package io.weightbench.checkpoint;

import io.weightbench.tensor.TensorData;
import java.util.List;

/**
 * One tensor of a checkpoint under its path in the object tree. Its key is the path joined with
 * {@code .}; the path is kept because dict keys may themselves contain dots.
 */
public record TensorEntry(List<String> path, TensorData data, boolean parameter) {

    public TensorEntry {
        path = List.copyOf(path);
    }

    public String key() { return ObjectTree.join(path); }
}
