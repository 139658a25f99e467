package io.weightbench.checkpoint;

import io.weightbench.tensor.TensorData;
import java.util.List;
import java.util.Map;
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
    private final Map<String, String> info;

    public TensorEntry(List<String> path, TensorData data, boolean parameter) {
        this(path, data, parameter, Map.of());
    }

    public TensorEntry(List<String> path, TensorData data, boolean parameter, Map<String, String> info) {
        this.path = List.copyOf(path);
        this.key = ObjectTree.join(this.path);
        this.data = Objects.requireNonNull(data);
        this.parameter = parameter;
        // TensorValue made the unmodifiable copy already; a listing builds one entry per tensor
        this.info = info.isEmpty() ? Map.of() : info;
    }

    public List<String> path() { return path; }

    public String key() { return key; }

    public TensorData data() { return data; }

    /** True when the tensor was saved as an {@code nn.Parameter}. */
    public boolean parameter() { return parameter; }

    /**
     * What the reader knows about the tensor beyond its data, in the reader's words: the ONNX op
     * that consumes it ({@code op: Conv}), a TensorFlow variable's object path, a GGUF tensor's
     * ggml type. Empty for most tensors.
     */
    public Map<String, String> info() { return info; }

    /** The same tensor under another path (a key relative to the weights entry, a renamed key). */
    public TensorEntry withPath(List<String> newPath) { return new TensorEntry(newPath, data, parameter, info); }

    @Override public boolean equals(Object o) {
        return o instanceof TensorEntry t && t.path.equals(path) && t.data.equals(data) && t.parameter == parameter;
    }

    @Override public int hashCode() { return Objects.hash(path, data, parameter); }

    @Override public String toString() { return "TensorEntry[" + key + ", " + data + (parameter ? ", parameter" : "") + "]"; }
}
