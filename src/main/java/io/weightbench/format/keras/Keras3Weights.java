package io.weightbench.format.keras;

import io.weightbench.format.FormatException;
import io.weightbench.format.hdf5.Hdf5Attributes;
import io.weightbench.format.hdf5.Hdf5File;
import io.weightbench.format.hdf5.Hdf5Node;
import io.weightbench.format.hdf5.Hdf5Tree;
import io.weightbench.format.pickle.PyDict;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The weights of a Keras 3 weights file ({@code model.weights.h5} inside a {@code .keras} archive,
 * or a bare {@code *.weights.h5}): each Keras object's variables sit in a {@code vars} group at the
 * object's attribute path, by position ({@code layers/dense/vars/0}). The key is that path. The
 * optimizer's variables ({@code optimizer/vars/0}) form a second entry, {@code optimizer}, beside
 * the model's, {@code model} (the weights entry), as a training checkpoint keeps its optimizer state.
 */
final class Keras3Weights {

    static final String MODEL = "model";
    static final String OPTIMIZER = "optimizer";

    private Keras3Weights() {}

    /** Whether a root group is laid out as Keras 3 saves weights: a {@code vars} group for the model's own variables. */
    static boolean looksLikeKeras3(Hdf5File file, Hdf5Node.Group root) throws FormatException {
        return Hdf5Tree.childGroup(file, root, "vars").isPresent();
    }

    /**
     * {model: {path: tensor}, optimizer: {path: tensor}}, the optimizer entry only when the file has
     * one. Each model variable's Keras name ({@link Keras3Names}, from {@code configJson}, the
     * archive's config.json, or null) is shown beside it as {@code keras_name} and all of them are
     * put into {@code meta} under {@link Keras3Names#METADATA}, where the keras preset finds them.
     */
    static PyDict read(Hdf5File file, Hdf5Node.Group root, String configJson, Map<String, String> meta, List<String> warnings) throws FormatException {
        Datasets datasets = new Datasets(file);
        List<Hdf5Tree.Found> found = Hdf5Tree.datasets(file, root, warnings);
        String prefix = OPTIMIZER + "/";
        Map<String, Hdf5Tree.Found> byPath = new java.util.LinkedHashMap<>();
        for (Hdf5Tree.Found f : found) byPath.putIfAbsent(f.path(), f);
        Keras3Names.Named named = Keras3Names.of(configJson, found.stream().map(Hdf5Tree.Found::path).filter(p -> !p.startsWith(prefix)).toList(), warnings);
        Map<String, String> names = named.names();
        if (!names.isEmpty()) meta.put(Keras3Names.METADATA, Keras3Names.json(names));
        // the model's variables in config.json's layer order (the file keeps its groups by name), then the optimizer's
        List<Hdf5Tree.Found> ordered = new java.util.ArrayList<>();
        for (String p : named.order()) ordered.add(byPath.get(p));
        for (Hdf5Tree.Found f : found) if (f.path().startsWith(prefix)) ordered.add(f);
        PyDict model = new PyDict();
        PyDict optimizer = new PyDict();
        Map<Hdf5Node.Group, Optional<String>> owners = new IdentityHashMap<>();
        for (Hdf5Tree.Found f : ordered) {
            Optional<String> owner = owners.get(f.parent());
            if (owner == null) {
                owner = ownerName(file, f.parent());
                owners.put(f.parent(), owner);
            }
            Map<String, String> info = new java.util.LinkedHashMap<>();
            owner.ifPresent(o -> info.put("keras_object", o));
            if (names.containsKey(f.path())) info.put("keras_name", names.get(f.path()));
            if (f.path().startsWith(prefix)) datasets.add(optimizer, f.path().substring(prefix.length()), f, info, warnings);
            else datasets.add(model, f.path(), f, info, warnings);
        }
        datasets.warnNotTensors(warnings);
        if (model.isEmpty() && optimizer.isEmpty()) warnings.add("the weights file holds no numeric datasets");
        PyDict tree = new PyDict();
        tree.put(MODEL, model);
        if (!optimizer.isEmpty()) tree.put(OPTIMIZER, optimizer);
        return tree;
    }

    /** The owning object's name, which Keras 3 writes on each {@code vars} group; shown beside the tensor, so a bad one is just not shown. */
    private static Optional<String> ownerName(Hdf5File file, Hdf5Node.Group vars) {
        try {
            return Hdf5Attributes.string(file, vars, "name");
        } catch (FormatException e) {
            return Optional.empty();
        }
    }
}
