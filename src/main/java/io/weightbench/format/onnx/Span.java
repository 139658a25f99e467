package io.weightbench.format.onnx;

/** A run of bytes in a file: where a protobuf field's value lies. */
record Span(long offset, long length) {

    long end() { return offset + length; }
}
