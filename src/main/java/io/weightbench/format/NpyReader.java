package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A single numpy array ({@code np.save}); listed under the key {@code <root>}. */
final class NpyReader implements CheckpointReader {

    @Override
    public Optional<Opener> probe(Probe probe) {
        if (!NpyHeader.hasMagic(probe.head())) return Optional.empty();
        return Optional.of(formats -> {
            TensorValue t = new TensorValue(NpyHeader.read("array", probe.file()), false);
            return Checkpoint.of(probe.path(), "npy", t, Map.of(), List.of(), List.of(probe.files()));
        });
    }
}
