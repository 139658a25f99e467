package io.weightbench.compare;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyValues;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The per-module versions torch keeps in a state_dict's {@code _metadata} attribute. */
public final class TorchMetadata {

    private TorchMetadata() {}

    /** Module prefix ({@code ""}, {@code layer1.0.bn1}) -> version; empty when the state_dict has no metadata. */
    public static Optional<Map<String, Long>> moduleVersions(Checkpoint c) {
        Optional<Object> node = c.weightsNode();
        if (node.isEmpty() || !(node.get() instanceof PyDict d) || !(d.attributes().get("_metadata") instanceof PyDict meta)) {
            return Optional.empty();
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : meta.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m && m.get("version") instanceof Long v) out.put(PyValues.keyText(e.getKey()), v);
        }
        return Optional.of(out);
    }
}
