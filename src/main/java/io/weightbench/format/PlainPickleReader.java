package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.pickle.PickleHooks;
import io.weightbench.format.pickle.PickleMachine;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A bare pickle (protocol 2 or later) that is not a torch file: listed as objects, safely. It holds
 * no torch tensors (those need a container for their storages).
 */
final class PlainPickleReader implements CheckpointReader {

    @Override
    public boolean probe(Probe probe) {
        return probe.headByte(0) == 0x80 && probe.headByte(1) >= 2 && probe.headByte(1) <= 5;
    }

    @Override
    public Checkpoint open(Probe probe, Formats formats) throws IOException {
        PickleMachine vm = new PickleMachine(probe.file(), 0, PickleHooks.NONE, PickleMachine.Limits.DEFAULT);
        Object root = vm.load();
        return PickleOpener.checkpoint(probe.path(), "pickle", root, vm, Map.of(), List.of(), List.of(probe.file()));
    }
}
