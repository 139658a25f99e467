package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** A single numpy array ({@code np.save}); listed under the key {@code <root>}. */
final class NpyReader implements CheckpointReader {

    @Override
    public boolean probe(Probe probe) {
        return NpyHeader.hasMagic(probe.head());
    }

    @Override
    public Checkpoint open(Probe probe, Formats formats) throws IOException {
        TensorValue t = new TensorValue(NpyHeader.read("array", probe.file()), false);
        return Checkpoint.of(probe.path(), "npy", t, Map.of(), List.of(), List.of(probe.file()));
    }
}
