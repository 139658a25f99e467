package io.weightbench.checkpoint;

import io.weightbench.tensor.TensorData;
import java.util.List;
import java.util.Objects;

/**
 * One tensor of a checkpoint under its path in the object tree. Its key is the path joined with
 * {@code .} (joined once: every listing, comparison and rule looks it up); the path is kept because
 * dict keys may themselves contain dots.
 */
public final class TensorEntry {

    private final List<String> path;
    private final String key;
    private final TensorData data;
    private final boolean parameter;

    public TensorEntry(List<String> path, TensorData data, boolean parameter) {
        this.path = List.copyOf(path);
        this.key = ObjectTree.join(this.path);
        this.data = Objects.requireNonNull(data);
        this.parameter = parameter;
    }

    public List<String> path() { return path; }

    public String key() { return key; }

    public TensorData data() { return data; }

    /** True when the tensor was saved as an {@code nn.Parameter}. */
    public boolean parameter() { return parameter; }

    @Override public boolean equals(Object o) {
        return o instanceof TensorEntry t && t.path.equals(path) && t.data.equals(data) && t.parameter == parameter;
    }

    @Override public int hashCode() { return Objects.hash(path, data, parameter); }

    @Override public String toString() { return "TensorEntry[" + key + ", " + data + (parameter ? ", parameter" : "") + "]"; }
}
