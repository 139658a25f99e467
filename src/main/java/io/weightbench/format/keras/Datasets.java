package io.weightbench.format.keras;

import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.FormatException;
import io.weightbench.format.hdf5.Hdf5File;
import io.weightbench.format.hdf5.Hdf5Tensors;
import io.weightbench.format.hdf5.Hdf5Tree;
import io.weightbench.format.pickle.PyDict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts an HDF5 file's datasets into a checkpoint's object tree as tensors, once each, under the
 * keys the layout gives them; datasets that are not numeric (strings, references) are collected
 * into one warning instead.
 */
final class Datasets {

    private final Hdf5File file;
    private final List<String> notTensors = new ArrayList<>();
    private final Set<Long> placed = new HashSet<>();

    Datasets(Hdf5File file) {
        this.file = file;
    }

    /** Adds the dataset at {@code key}, unless the key is taken; {@code info} is shown beside the tensor. */
    void add(PyDict dict, String key, Hdf5Tree.Found found, Map<String, String> info, List<String> warnings) throws FormatException {
        if (dict.containsKey(key)) {
            warnings.add("'" + key + "' is listed twice; the second is skipped");
            return;
        }
        placed.add(address(found));
        Hdf5Tensors.Result r = Hdf5Tensors.read(file, found.dataset(), key);
        if (r instanceof Hdf5Tensors.Tensor t) {
            Map<String, String> all = info;
            if (!t.info().isEmpty()) {
                all = new LinkedHashMap<>(info);
                all.putAll(t.info());
            }
            dict.put(key, new TensorValue(t.data(), false, all)); // which copies it
        } else if (r instanceof Hdf5Tensors.NotATensor n) {
            notTensors.add(key + " (" + n.reason() + ")");
        }
    }

    /** Whether a dataset has been placed (under any path: by its address in the file). */
    boolean placed(Hdf5Tree.Found found) throws FormatException {
        return placed.contains(address(found));
    }

    /** Whether the dataset whose header is at {@code address} has been placed. */
    boolean placed(long address) {
        return placed.contains(address);
    }

    private long address(Hdf5Tree.Found found) throws FormatException {
        return found.dataset().address();
    }

    /** One warning naming the datasets that are not tensors, if any. */
    void warnNotTensors(List<String> warnings) {
        if (notTensors.isEmpty()) return;
        warnings.add(notTensors.size() + " dataset(s) are not numeric and not listed as tensors: "
                + String.join(", ", notTensors.subList(0, Math.min(8, notTensors.size()))) + (notTensors.size() > 8 ? ", ..." : ""));
    }
}
