package io.weightbench.model;

import io.weightbench.tensor.DType;
import java.util.List;

/** A tensor's key, shape and dtype: what a model expects, or what a checkpoint holds. */
public record TensorSpec(String key, List<Long> shape, DType dtype) {

    public TensorSpec {
        shape = List.copyOf(shape);
    }

    public static TensorSpec of(String key, long[] shape, DType dtype) {
        return new TensorSpec(key, java.util.Arrays.stream(shape).boxed().toList(), dtype);
    }

    public TensorSpec withKey(String newKey) { return new TensorSpec(newKey, shape, dtype); }
}
