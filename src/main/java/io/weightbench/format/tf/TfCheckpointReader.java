package io.weightbench.format.tf;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.CheckpointReader;
import io.weightbench.format.FormatException;
import io.weightbench.format.Probe;
import io.weightbench.format.SourceFiles;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * TensorFlow checkpoints (TensorBundle V2, what {@code tf.train.Checkpoint}, {@code tf.train.Saver}
 * and SavedModels write): a {@code .index} table of entries and {@code .data-NNNNN-of-NNNNN}
 * shards of raw bytes. Opened from the {@code .index} file (recognised by the table's magic number
 * and a header entry), from the prefix users pass to TensorFlow ({@code model.ckpt}), from a
 * SavedModel folder (its {@code variables/variables.index}), or from a {@code checkpoint} state
 * file (or a folder holding one). Keys are the bundle's own, verbatim.
 */
public final class TfCheckpointReader implements CheckpointReader {

    static final String SAVED_MODEL_INDEX = "variables/variables.index";
    static final String STATE_FILE = "checkpoint";

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        Optional<BundleIndex> index = BundleIndex.read(probe.file());
        if (index.isPresent()) {
            String name = probe.path().getFileName().toString();
            return Optional.of(formats -> BundleOpener.open(probe.path(), probe.files(), name, index.get(), Map.of(), List.of()));
        }
        if (probe.file().size() <= CheckpointState.MAX_SIZE && CheckpointState.looksLikeState(probe.head())) {
            Optional<CheckpointState> state = CheckpointState.parse(readAll(probe.file()));
            if (state.isPresent()) return Optional.of(formats -> fromState(probe.path(), probe.files(), state.get()));
        }
        return Optional.empty();
    }

    @Override
    public Optional<Opener> probeFolder(SourceFiles folder) throws IOException {
        if (folder.exists(SAVED_MODEL_INDEX)) {
            return Optional.of(formats -> {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("saved_model", "true");
                BundleIndex index = BundleIndex.require(folder.open(SAVED_MODEL_INDEX), SAVED_MODEL_INDEX);
                return BundleOpener.open(folder.named(), folder, SAVED_MODEL_INDEX, index, meta, List.of());
            });
        }
        if (folder.exists(STATE_FILE)) {
            // read, not opened through the folder's files: if it is no state file, it is no input
            Path state = folder.path(STATE_FILE);
            if (java.nio.file.Files.size(state) <= CheckpointState.MAX_SIZE) {
                Optional<CheckpointState> parsed = CheckpointState.parse(java.nio.file.Files.readAllBytes(state));
                if (parsed.isPresent()) return Optional.of(formats -> fromState(folder.named(), folder, parsed.get()));
            }
        }
        // a folder holding one checkpoint (its .index and shards, perhaps beside saved_model.pb)
        List<String> indexes = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder.folder())) {
            files.limit(10_000).map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".index")).forEach(indexes::add);
        }
        if (indexes.size() == 1 && folder.exists(indexes.get(0))) {
            String name = indexes.get(0);
            return Optional.of(formats -> {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("saved_model", Boolean.toString(folder.exists("saved_model.pb")));
                BundleIndex index = BundleIndex.require(folder.open(name), name);
                return BundleOpener.open(folder.named(), folder, name, index, meta, List.of());
            });
        }
        return Optional.empty();
    }

    /** {@code model.ckpt}, the prefix TensorFlow is given, stands for {@code model.ckpt.index}. */
    @Override
    public Optional<Path> resolveMissing(Path path) {
        Path name = path.getFileName();
        if (name == null || name.toString().endsWith(".index")) return Optional.empty();
        return Optional.of(path.resolveSibling(name + ".index"));
    }

    /** The checkpoint a state file names, looked for beside it (an absolute path there is read as its file name). */
    private static Checkpoint fromState(Path file, SourceFiles files, CheckpointState state) throws IOException {
        List<String> warnings = new ArrayList<>();
        String prefix = state.prefix();
        Path p;
        try {
            p = Path.of(prefix);
        } catch (java.nio.file.InvalidPathException e) {
            throw new FormatException("names a checkpoint path that is not valid here: " + prefix);
        }
        if (p.isAbsolute()) {
            Path name = p.getFileName();
            if (name == null) throw new FormatException("names the checkpoint path " + prefix + ", which has no file name");
            warnings.add("the state file names " + prefix + "; read " + name + " beside it instead");
            prefix = name.toString();
        }
        String indexName = prefix + ".index";
        BundleIndex index = BundleIndex.require(files.open(indexName), indexName);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("checkpoint_state", state.prefix());
        return BundleOpener.open(file, files, indexName, index, meta, warnings);
    }

    private static byte[] readAll(MappedFile f) throws IOException {
        byte[] b = new byte[(int) f.size()];
        f.read(0, b, 0, b.length);
        return b;
    }
}
