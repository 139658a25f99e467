package io.weightbench.checkpoint;

import io.weightbench.tensor.TensorData;
import java.util.Map;

/**
 * A tensor as it sits in a checkpoint's object tree. {@code parameter} marks an {@code nn.Parameter};
 * {@code info} holds what the reader knows about it beyond its data (the ONNX op that consumes it,
 * a TensorFlow variable's object path), shown beside the tensor.
 */
public record TensorValue(TensorData data, boolean parameter, Map<String, String> info) {

    public TensorValue {
        info = info.isEmpty() ? Map.of() : info.size() == 1 ? one(info) : copy(info);
    }

    /** A one-entry copy (a listing makes one per tensor, most with one fact: cheaper than a map's copy). */
    private static Map<String, String> one(Map<String, String> info) {
        Map.Entry<String, String> e = info.entrySet().iterator().next();
        return e.getKey() == null || e.getValue() == null ? copy(info) : Map.of(e.getKey(), e.getValue());
    }

    private static Map<String, String> copy(Map<String, String> info) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(info));
    }

    public TensorValue(TensorData data, boolean parameter) {
        this(data, parameter, Map.of());
    }
}
