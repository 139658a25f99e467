package io.weightbench.format;

import java.util.List;

/** The readers of other frameworks' files, each in its own subpackage, in the order they are asked. */
final class OtherFrameworks {

    private OtherFrameworks() {}

    static List<CheckpointReader> readers() {
        return List.of(
                new io.weightbench.format.onnx.OnnxReader());
    }
}
