package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.pickle.PickleGlobals;
import io.weightbench.format.pickle.PickleMachine;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyValues;
import java.io.Closeable;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Turns an unpickled object tree into a {@link Checkpoint}, with the warnings every pickle format shares. */
final class PickleOpener {

    private PickleOpener() {}

    static Checkpoint checkpoint(Path file, String format, Object root, PickleMachine vm,
                                 Map<String, String> metadata, List<String> warnings, List<Closeable> resources) {
        List<String> w = new ArrayList<>(warnings);
        TreeSet<String> types = vm.placeholderTypes();
        List<String> uninterpretedTensors = new ArrayList<>();
        for (String type : types) {
            if (TorchPickle.isUninterpretedTensor(type)) uninterpretedTensors.add(type);
        }
        // A TorchScript archive's pickle is read by torch.jit.load's own unpickler, which resolves
        // only torch's types and the archive's compiled classes: it imports no Python module.
        Set<String> globals = format.equals("torchscript") ? Set.of() : vm.globalNames();
        w.addAll(PickleGlobals.warnings(globals));
        if (!uninterpretedTensors.isEmpty()) {
            w.add("tensors built by " + String.join(", ", uninterpretedTensors) + " are not read and are listed as objects");
        }
        Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
        meta.put("pickle_protocol", Integer.toString(vm.protocol()));
        if (!types.isEmpty()) meta.put("python_classes", String.join(", ", abbreviate(types)));
        if (root instanceof PyDict d) {
            for (Map.Entry<Object, Object> e : d.entrySet()) {
                Object v = e.getValue();
                if (v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof BigInteger) {
                    meta.putIfAbsent(PyValues.keyText(e.getKey()), PyValues.describe(v));
                }
            }
        }
        return Checkpoint.of(file, format, root, meta, w, resources).withPickleGlobals(globals);
    }

    private static List<String> abbreviate(TreeSet<String> types) {
        List<String> l = new ArrayList<>(types);
        if (l.size() > 30) {
            int more = l.size() - 30;
            l = new ArrayList<>(l.subList(0, 30));
            l.add("and " + more + " more");
        }
        return l;
    }
}
