package io.weightbench.format.keras;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Probe;
import io.weightbench.format.hdf5.Hdf5Attributes;
import io.weightbench.format.hdf5.Hdf5File;
import io.weightbench.format.hdf5.Hdf5Node;
import io.weightbench.format.hdf5.Hdf5Tree;
import io.weightbench.format.pickle.PyDict;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * HDF5 files (by their signature): Keras 1/2 weights ({@code keras-h5}: {@code save_weights}
 * files with {@code layer_names} at the root, and {@code save} files with {@code model_weights/}
 * and perhaps {@code optimizer_weights/}), Keras 3 {@code *.weights.h5} ({@code keras3-weights}),
 * and any other HDF5 file ({@code hdf5}: every numeric dataset under its path).
 */
public final class KerasH5Reader implements CheckpointReader {

    @Override
    public Optional<Opener> probe(Probe probe) {
        if (Hdf5File.signatureOffset(probe.head()) < 0) return Optional.empty();
        return Optional.of(formats -> open(probe));
    }

    private static Checkpoint open(Probe probe) throws IOException {
        Hdf5File h5 = Hdf5File.open(probe.file());
        boolean ok = false;
        try {
            List<String> warnings = new ArrayList<>();
            Map<String, String> meta = new LinkedHashMap<>();
            Hdf5Node.Group root = h5.root();
            Checkpoint c;
            Optional<List<String>> layerNames = Keras2Weights.names(h5, root, "layer_names");
            Optional<Hdf5Node.Group> modelWeights = Hdf5Tree.childGroup(h5, root, "model_weights");
            if (layerNames.isPresent()) {
                kerasAttributes(h5, root, meta, warnings);
                Datasets datasets = new Datasets(h5);
                PyDict tree = Keras2Weights.layers(h5, root, layerNames.get(), datasets, warnings);
                datasets.warnNotTensors(warnings);
                meta.put("layers", Integer.toString(layerNames.get().size()));
                c = Checkpoint.of(probe.path(), "keras-h5", tree, meta, warnings, List.of(probe.files(), h5), List.of());
            } else if (modelWeights.isPresent()) {
                c = fullModel(probe, h5, root, modelWeights.get(), meta, warnings);
            } else if (Keras3Weights.looksLikeKeras3(h5, root)) {
                PyDict tree = Keras3Weights.read(h5, root, null, meta, warnings);
                c = Checkpoint.of(probe.path(), "keras3-weights", tree, meta, warnings, List.of(probe.files(), h5),
                        List.of(Keras3Weights.MODEL));
            } else {
                c = Checkpoint.of(probe.path(), "hdf5", plain(h5, root, warnings), meta, warnings, List.of(probe.files(), h5), List.of());
            }
            ok = true;
            return c;
        } finally {
            if (!ok) h5.close();
        }
    }

    /** A Keras {@code save()} file: {model_weights: ..., optimizer_weights: ...}, the weights entry model_weights. */
    private static Checkpoint fullModel(Probe probe, Hdf5File h5, Hdf5Node.Group root, Hdf5Node.Group weights, Map<String, String> meta,
                                        List<String> warnings) throws IOException {
        kerasAttributes(h5, root, meta, warnings);
        if (!meta.containsKey("keras_version") || !meta.containsKey("backend")) kerasAttributes(h5, weights, meta, warnings);
        Datasets datasets = new Datasets(h5);
        PyDict tree = new PyDict();
        Optional<List<String>> layerNames = Keras2Weights.names(h5, weights, "layer_names");
        if (layerNames.isEmpty()) warnings.add("model_weights has no layer_names attribute: its datasets are listed in name order");
        tree.put("model_weights", Keras2Weights.layers(h5, weights, layerNames.orElse(List.of()), datasets, warnings));
        layerNames.ifPresent(n -> meta.put("layers", Integer.toString(n.size())));
        Optional<Hdf5Node.Group> optimizer = Hdf5Tree.childGroup(h5, root, "optimizer_weights");
        if (optimizer.isPresent()) tree.put("optimizer_weights", Keras2Weights.optimizer(h5, optimizer.get(), datasets, warnings));
        datasets.warnNotTensors(warnings);
        return Checkpoint.of(probe.path(), "keras-h5", tree, meta, warnings, List.of(probe.files(), h5), List.of("model_weights"));
    }

    /** keras_version, backend (Theano flagged), model_config and training_config, where the node has them. */
    private static void kerasAttributes(Hdf5File h5, Hdf5Node.Group node, Map<String, String> meta, List<String> warnings) throws FormatException {
        Hdf5Attributes.string(h5, node, "keras_version").ifPresent(v -> meta.putIfAbsent("keras_version", v));
        Optional<String> backend = Hdf5Attributes.string(h5, node, "backend");
        if (backend.isPresent() && !meta.containsKey("backend")) {
            meta.put("backend", backend.get());
            if (backend.get().equals("theano")) {
                meta.put("theano_kernels", "flipped");
                warnings.add("saved with the Theano backend: its convolution kernels are flipped (Theano computes a true convolution);"
                        + " flip their spatial axes, as Keras's convert_kernel does, before using them with TensorFlow or PyTorch");
            }
        }
        Optional<String> model = Hdf5Attributes.string(h5, node, "model_config");
        if (model.isPresent() && !meta.containsKey("model_class")) KerasConfig.model(model.get(), "model_config", meta, warnings);
        Optional<String> training = Hdf5Attributes.string(h5, node, "training_config");
        if (training.isPresent() && !meta.containsKey("optimizer")) KerasConfig.training(training.get(), meta, warnings);
    }

    /** A plain HDF5 file: every numeric dataset under its path, in name order. */
    private static PyDict plain(Hdf5File h5, Hdf5Node.Group root, List<String> warnings) throws FormatException {
        Datasets datasets = new Datasets(h5);
        PyDict tree = new PyDict();
        for (Hdf5Tree.Found f : Hdf5Tree.datasets(h5, root, warnings)) datasets.add(tree, f.path(), f, Map.of(), warnings);
        datasets.warnNotTensors(warnings);
        return tree;
    }
}
