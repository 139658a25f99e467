package io.weightbench.format.keras;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Formats;
import io.weightbench.format.Probe;
import io.weightbench.format.ZipArchive;
import io.weightbench.format.hdf5.Hdf5File;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.tensor.ByteSource;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Keras 3 {@code .keras} archive (format {@code keras3}): a zip of {@code config.json},
 * {@code metadata.json} and the weights, {@code model.weights.h5} or {@code model.weights.npz}.
 * The configuration is summarised as metadata; the weights are listed as {@link Keras3Weights}
 * lays them out. A stored h5 entry is read in place, a deflated one inflated once (bounded by its
 * declared size). The npz form is read as plain numpy arrays; object (pickle) arrays are refused
 * (which is how Keras 3's own npz store saves every layer: a pickled dict per object), as are
 * archives with two entries of one name (the zip layer refuses those).
 */
public final class KerasArchiveReader implements CheckpointReader {

    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String H5 = "model.weights.h5";
    static final String NPZ = "model.weights.npz";
    /** config.json of the largest real models is a few MB. */
    static final long MAX_JSON = 64L << 20;

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        Optional<ZipArchive> zip = probe.zip();
        if (zip.isEmpty()) return Optional.empty();
        Map<String, ZipArchive.Entry> e = zip.get().entries();
        boolean keras = e.containsKey(CONFIG) && (e.containsKey(METADATA) || e.containsKey(H5) || e.containsKey(NPZ));
        return keras ? Optional.of(formats -> open(probe, zip.get(), formats)) : Optional.empty();
    }

    private static Checkpoint open(Probe probe, ZipArchive zip, Formats formats) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Map<String, ZipArchive.Entry> entries = zip.entries();
        if (entries.containsKey(METADATA)) KerasConfig.savedBy(json(zip, entries.get(METADATA)), meta, warnings);
        String config = json(zip, entries.get(CONFIG));
        KerasConfig.model(config, CONFIG, meta, warnings);
        long assets = entries.keySet().stream().filter(n -> n.startsWith("assets/") && !n.endsWith("/")).count();
        if (assets > 0) meta.put("assets", Long.toString(assets));
        List<Closeable> resources = new ArrayList<>();
        resources.add(probe.files());
        boolean ok = false;
        try {
            PyDict tree;
            ZipArchive.Entry h5 = entries.get(H5);
            ZipArchive.Entry npz = entries.get(NPZ);
            if (h5 != null) {
                meta.put("weights_file", H5 + (h5.method() == 0 ? " (stored, read in place)" : " (compressed, inflated once)"));
                try {
                    Hdf5File file = Hdf5File.open(zip.bytes(h5));
                    resources.add(file);
                    tree = Keras3Weights.read(file, file.root(), config, meta, warnings);
                } catch (FormatException e) {
                    throw new FormatException(H5 + ": " + e.getMessage());
                }
            } else if (npz != null) {
                meta.put("weights_file", NPZ);
                tree = npz(zip, npz, formats, resources, warnings);
            } else {
                throw new FormatException("Keras archive has neither " + H5 + " nor " + NPZ + " (no weights)");
            }
            Checkpoint c = Checkpoint.of(probe.path(), "keras3", tree, meta, warnings, resources, List.of(Keras3Weights.MODEL));
            ok = true;
            return c;
        } finally {
            if (!ok) {
                for (Closeable r : resources) {
                    if (r == probe.files()) continue;
                    try {
                        r.close();
                    } catch (IOException ignored) {
                        // the open's own failure is the one to report
                    }
                }
            }
        }
    }

    private static String json(ZipArchive zip, ZipArchive.Entry e) throws IOException {
        return new String(zip.readSmall(e, MAX_JSON), StandardCharsets.UTF_8);
    }

    /**
     * The npz weights: the entry is copied to a temporary file (deleted on close) and opened as an
     * npz archive, whose reader refuses object arrays; {model: ..., optimizer: ...} by the arrays'
     * names as in the h5 form.
     */
    private static PyDict npz(ZipArchive zip, ZipArchive.Entry entry, Formats formats, List<Closeable> resources, List<String> warnings)
            throws IOException {
        Path tmp = Files.createTempFile("weightbench-keras-", ".npz");
        tmp.toFile().deleteOnExit();
        resources.add(() -> Files.deleteIfExists(tmp));
        ByteSource src = zip.bytes(entry);
        try (OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[1 << 16];
            for (long p = 0; p < src.size(); p += buf.length) {
                int n = (int) Math.min(buf.length, src.size() - p);
                src.read(p, buf, 0, n);
                out.write(buf, 0, n);
            }
        }
        Checkpoint inner;
        try {
            inner = formats.open(tmp);
        } catch (io.weightbench.checkpoint.CheckpointException e) {
            String why = e.getMessage().replace(tmp.toString() + ": ", "");
            // Keras 3's own NpzIOStore saves each object's variables as a dict, which numpy pickles
            if (why.contains("Python objects")) why += "; Keras 3 writes npz weights as pickled dicts, which are not read (save with weights_format='h5')";
            throw new FormatException(NPZ + ": " + why);
        }
        resources.add(0, inner);
        for (String w : inner.warnings()) warnings.add(NPZ + ": " + w);
        if (!inner.format().equals("npz")) {
            throw new FormatException(NPZ + " is not an npz archive of arrays (it reads as " + inner.format() + ")");
        }
        PyDict model = new PyDict();
        PyDict optimizer = new PyDict();
        String prefix = Keras3Weights.OPTIMIZER + "/";
        for (TensorEntry t : inner.tensors()) {
            if (t.key().startsWith(prefix)) optimizer.put(t.key().substring(prefix.length()), new TensorValue(t.data(), false));
            else model.put(t.key(), new TensorValue(t.data(), false));
        }
        PyDict tree = new PyDict();
        tree.put(Keras3Weights.MODEL, model);
        if (!optimizer.isEmpty()) tree.put(Keras3Weights.OPTIMIZER, optimizer);
        return tree;
    }
}
