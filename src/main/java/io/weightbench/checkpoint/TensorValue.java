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
        info = info.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(info));
    }

    public TensorValue(TensorData data, boolean parameter) {
        this(data, parameter, Map.of());
    }
}
