package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.pickle.PickleHooks;
import io.weightbench.format.paddle.PaddleParams;
import io.weightbench.format.pickle.PickleMachine;
import io.weightbench.format.pickle.PyDict;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A bare pickle (protocol 2 or later) that is not a torch file: listed as objects, safely. It holds
 * no torch tensors (those need a container for their storages); a dict of numpy arrays is a
 * PaddlePaddle state dict and lists as tensors ({@link PaddleParams}).
 */
final class PlainPickleReader implements CheckpointReader {

    @Override
    public Optional<Opener> probe(Probe probe) {
        if (!(probe.headByte(0) == 0x80 && probe.headByte(1) >= 2 && probe.headByte(1) <= 5)) return Optional.empty();
        return Optional.of(formats -> {
            PickleMachine vm = new PickleMachine(probe.file(), 0, PickleHooks.NONE, PickleMachine.Limits.DEFAULT);
            Object root = vm.load();
            if (PaddleParams.recognizes(root)) {
                Map<String, String> meta = new java.util.LinkedHashMap<>();
                List<String> warnings = new java.util.ArrayList<>();
                PyDict tensors = PaddleParams.tensors((PyDict) root, meta, warnings);
                return PickleOpener.checkpoint(probe.path(), PaddleParams.FORMAT, tensors, vm, meta, warnings, List.of(probe.files()));
            }
            return PickleOpener.checkpoint(probe.path(), "pickle", root, vm, Map.of(), List.of(), List.of(probe.files()));
        });
    }
}
