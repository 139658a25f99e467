package io.weightbench.format;

import java.util.List;

/** The readers of other frameworks' files, each in its own subpackage, in the order they are asked. */
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
                new io.weightbench.format.flax.FlaxReader());
    }
}
