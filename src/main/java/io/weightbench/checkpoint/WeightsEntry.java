package io.weightbench.checkpoint;

import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the weights entry of a checkpoint: the sub-dict that holds the model's weights (Lightning's
 * {@code state_dict}, a training script's {@code model_state_dict}, DeepSpeed's {@code module}, ...),
 * or the top level. Works on the object tree so that dict keys containing dots stay whole.
 */
public final class WeightsEntry {

    /** Names that hold model weights, most specific first. */
    static final List<String> CANDIDATES = List.of(
            "state_dict", "model_state_dict", "model_state", "model", "module", "state_dict_ema", "model_ema",
            "ema_state_dict", "ema", "net", "network", "params", "weights", "generator", "student", "teacher");

    private WeightsEntry() {}

    /** The path of the weights entry; empty for the top level. */
    public static List<String> detect(Object root, List<TensorEntry> tensors) {
        List<String> path = new ArrayList<>();
        Object node = root;
        while (node instanceof PyDict dict) {
            List<String> here = path;
            String next = null;
            for (String name : CANDIDATES) {
                if (dict.containsKey(name) && countUnder(tensors, with(here, name)) > 0) {
                    next = name;
                    break;
                }
            }
            if (next == null && !hasDirectTensors(dict)) next = soleChildWithTensors(dict, here, tensors);
            if (next == null) break;
            path = with(here, next);
            node = dict.get(next);
        }
        return path;
    }

    private static boolean hasDirectTensors(PyDict dict) {
        for (Object v : dict.values()) if (v instanceof TensorValue) return true;
        return false;
    }

    /** When every tensor lives under one child ({@code {'my_model': sd, 'config': ...}}), that child. */
    private static String soleChildWithTensors(PyDict dict, List<String> here, List<TensorEntry> tensors) {
        String found = null;
        for (Map.Entry<Object, Object> e : dict.entrySet()) {
            if (!(e.getValue() instanceof PyDict)) {
                if (countUnder(tensors, with(here, PyValues.keyText(e.getKey()))) > 0) return null;
                continue;
            }
            String name = PyValues.keyText(e.getKey());
            if (countUnder(tensors, with(here, name)) > 0) {
                if (found != null) return null;
                found = name;
            }
        }
        return found;
    }

    public static long countUnder(List<TensorEntry> tensors, List<String> prefix) {
        return tensors.stream().filter(t -> startsWith(t.path(), prefix)).count();
    }

    public static boolean startsWith(List<String> path, List<String> prefix) {
        return path.size() > prefix.size() && path.subList(0, prefix.size()).equals(prefix);
    }

    private static List<String> with(List<String> path, String segment) {
        List<String> p = new ArrayList<>(path);
        p.add(segment);
        return p;
    }
}
