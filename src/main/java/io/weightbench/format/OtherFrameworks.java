package io.weightbench.format;

import java.util.List;

/**
 * The readers of other frameworks' files, each in its own subpackage, in the order they are
 * asked: those that recognise a magic number or a structure first, ONNX (a protobuf without
 * magic, recognised by its first fields) last.
 */
final class OtherFrameworks {

    private OtherFrameworks() {}

    static List<CheckpointReader> readers() {
        return List.of(
                new io.weightbench.format.gguf.GgufReader(),
                new io.weightbench.format.keras.KerasH5Reader(),
                new io.weightbench.format.keras.KerasArchiveReader(),
                new io.weightbench.format.tf.TfCheckpointReader(),
                new io.weightbench.format.mxnet.MxnetParamsReader(),
                new io.weightbench.format.tfjs.TfjsReader(),
                new io.weightbench.format.flax.FlaxReader(),
                new io.weightbench.format.onnx.OnnxReader());
    }
}
