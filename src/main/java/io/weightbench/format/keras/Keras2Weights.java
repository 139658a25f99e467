package io.weightbench.format.keras;

import io.weightbench.format.FormatException;
import io.weightbench.format.hdf5.Hdf5Attributes;
import io.weightbench.format.hdf5.Hdf5File;
import io.weightbench.format.hdf5.Hdf5Node;
import io.weightbench.format.hdf5.Hdf5Tree;
import io.weightbench.format.pickle.PyDict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The weights of a Keras 1/2 HDF5 group, in the order Keras itself reads them: the group's
 * {@code layer_names}, then each layer's {@code weight_names}. A weight's key is its dataset's path
 * inside the group ({@code dense_1/dense_1/kernel:0}, Keras 1's {@code lstm_1/lstm_1_W_i}).
 * Groups the names do not list but which carry {@code weight_names} (Keras 2.11's
 * {@code top_level_model_weights}) follow; any dataset still unnamed comes last, with a warning.
 */
final class Keras2Weights {

    /** Keras splits a long attribute into {@code name0}, {@code name1}, ...; more parts than this is not a Keras file. */
    static final int MAX_PARTS = 100_000;

    private Keras2Weights() {}

    /** A name-list attribute, whole or split into numbered parts; empty when the node has neither. */
    static Optional<List<String>> names(Hdf5File file, Hdf5Node node, String name) throws FormatException {
        Optional<List<String>> whole = Hdf5Attributes.strings(file, node, name);
        if (whole.isPresent()) return whole;
        List<String> all = new ArrayList<>();
        int part = 0;
        for (; part < MAX_PARTS; part++) {
            Optional<List<String>> p = Hdf5Attributes.strings(file, node, name + part);
            if (p.isEmpty()) break;
            all.addAll(p.get());
            if (all.size() > 10_000_000) throw new FormatException("attribute " + name + " lists more than 10000000 names");
        }
        return part == 0 ? Optional.empty() : Optional.of(all);
    }

    /** The layers' weights of {@code group} (the file's root or {@code model_weights}). */
    static PyDict layers(Hdf5File file, Hdf5Node.Group group, List<String> layerNames, Datasets datasets, List<String> warnings)
            throws FormatException {
        PyDict out = new PyDict();
        List<String> missing = new ArrayList<>();
        java.util.Set<String> listed = new java.util.HashSet<>(layerNames);
        for (String layer : layerNames) {
            Optional<Hdf5Node.Group> g = Hdf5Tree.childGroup(file, group, layer);
            if (g.isEmpty()) {
                missing.add("layer " + layer);
                continue;
            }
            layer(file, layer, g.get(), datasets, out, missing, warnings);
        }
        boolean unlisted = false;
        for (Map.Entry<String, Hdf5Node> e : group.children().entrySet()) {
            unlisted |= !listed.contains(e.getKey()) && e.getValue() instanceof Hdf5Node.Group;
        }
        for (Map.Entry<String, Hdf5Node> e : unlisted ? Hdf5Tree.children(file, group, "") : List.<Map.Entry<String, Hdf5Node>>of()) {
            if (listed.contains(e.getKey()) || !(e.getValue() instanceof Hdf5Node.Group g) || e.getValue() instanceof Hdf5Node.Link) continue;
            if (names(file, g, "weight_names").isPresent()) layer(file, e.getKey(), g, datasets, out, missing, warnings);
        }
        if (!missing.isEmpty()) {
            warnings.add(missing.size() + " name(s) in layer_names/weight_names have no dataset in the file: "
                    + String.join(", ", missing.subList(0, Math.min(8, missing.size()))) + (missing.size() > 8 ? ", ..." : ""));
        }
        unnamed(file, group, "", datasets, out, warnings);
        return out;
    }

    private static void layer(Hdf5File file, String layer, Hdf5Node.Group g, Datasets datasets, PyDict out, List<String> missing,
                              List<String> warnings) throws FormatException {
        for (String weight : names(file, g, "weight_names").orElse(List.of())) {
            Optional<Hdf5Tree.Found> f = Hdf5Tree.dataset(file, g, weight);
            if (f.isEmpty()) {
                missing.add(layer + "/" + weight);
                continue;
            }
            datasets.add(out, layer + "/" + weight, f.get(), Map.of("layer", layer), warnings);
        }
    }

    /**
     * The optimizer's state ({@code optimizer_weights}): its {@code weight_names} are the datasets'
     * paths inside the group ({@code training/Adam/Variable:0}), which are the keys.
     */
    static PyDict optimizer(Hdf5File file, Hdf5Node.Group group, Datasets datasets, List<String> warnings) throws FormatException {
        PyDict out = new PyDict();
        List<String> missing = new ArrayList<>();
        for (String weight : names(file, group, "weight_names").orElse(List.of())) {
            Optional<Hdf5Tree.Found> f = Hdf5Tree.dataset(file, group, weight);
            if (f.isEmpty()) missing.add(weight);
            else datasets.add(out, weight, f.get(), Map.of(), warnings);
        }
        if (!missing.isEmpty()) {
            warnings.add(missing.size() + " optimizer weight name(s) have no dataset in the file: "
                    + String.join(", ", missing.subList(0, Math.min(8, missing.size()))));
        }
        unnamed(file, group, "optimizer_weights/", datasets, out, warnings);
        return out;
    }

    /** Datasets no name list mentions, listed after the named ones under their paths. */
    private static void unnamed(Hdf5File file, Hdf5Node.Group group, String where, Datasets datasets, PyDict out, List<String> warnings)
            throws FormatException {
        if (!Hdf5Tree.anyBeyond(file, group, datasets::placed)) return;
        List<String> extra = new ArrayList<>();
        for (Hdf5Tree.Found f : Hdf5Tree.datasets(file, group, warnings)) {
            if (datasets.placed(f)) continue;
            extra.add(f.path());
            datasets.add(out, f.path(), f, Map.of(), warnings);
        }
        if (!extra.isEmpty()) {
            warnings.add(extra.size() + " dataset(s) in " + (where.isEmpty() ? "the weights group" : where)
                    + " are not named by layer_names/weight_names (listed after the named ones): "
                    + String.join(", ", extra.subList(0, Math.min(5, extra.size()))) + (extra.size() > 5 ? ", ..." : ""));
        }
    }
}
