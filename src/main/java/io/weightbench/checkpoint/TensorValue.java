package io.weightbench.checkpoint;

import io.weightbench.tensor.TensorData;

/** A tensor as it sits in a checkpoint's object tree. {@code parameter} marks an {@code nn.Parameter}. */
public record TensorValue(TensorData data, boolean parameter) {}
