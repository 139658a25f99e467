package io.weightbench.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An opened checkpoint: its object tree, the flat index of its tensors and objects, metadata,
 * warnings and weights entry. Tensor bytes stay in the file until read.
 */
public final class Checkpoint implements Closeable {

    private final Path file;
    private final String format;
    private final Object root;
    private final List<TensorEntry> tensors;
    private final List<ObjectEntry> objects;
    private final Map<String, String> metadata;
    private final List<String> warnings;
    private final List<String> weightsEntry;
    private final List<Closeable> resources;
    private final java.util.SortedSet<String> pickleGlobals;

    private Checkpoint(Path file, String format, Object root, List<TensorEntry> tensors, List<ObjectEntry> objects,
                       Map<String, String> metadata, List<String> warnings, List<String> weightsEntry,
                       List<Closeable> resources, java.util.Set<String> pickleGlobals) {
        this.file = file;
        this.format = format;
        this.root = root;
        this.tensors = List.copyOf(tensors);
        this.objects = List.copyOf(objects);
        this.metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.warnings = List.copyOf(warnings);
        this.weightsEntry = List.copyOf(weightsEntry);
        this.resources = List.copyOf(resources);
        this.pickleGlobals = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(pickleGlobals));
    }

    /** Builds a checkpoint from a reader's object tree: flattens it and finds its weights entry. */
    public static Checkpoint of(Path file, String format, Object root, Map<String, String> metadata,
                                List<String> warnings, List<Closeable> resources) {
        return of(file, format, root, metadata, warnings, resources, null);
    }

    /**
     * As {@link #of(Path, String, Object, Map, List, List)}, with the weights entry the format
     * defines (a Keras model file's {@code model_weights}) instead of the one detected; null to detect.
     */
    public static Checkpoint of(Path file, String format, Object root, Map<String, String> metadata,
                                List<String> warnings, List<Closeable> resources, List<String> weightsEntry) {
        ObjectTree tree = ObjectTree.flatten(root);
        List<String> allWarnings = new ArrayList<>(warnings);
        allWarnings.addAll(tree.warnings());
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        List<String> entry = weightsEntry != null ? weightsEntry : WeightsEntry.detect(root, tree.tensors());
        return new Checkpoint(file, format, root, tree.tensors(), tree.objects(), meta, allWarnings, entry, resources, java.util.Set.of());
    }

    public Path file() { return file; }

    /** The format name of DESIGN.md's JSON contract ({@code torch-zip}, {@code safetensors}, ...). */
    public String format() { return format; }

    public Object root() { return root; }

    public List<TensorEntry> tensors() { return tensors; }

    public List<ObjectEntry> objects() { return objects; }

    public Map<String, String> metadata() { return metadata; }

    public List<String> warnings() { return warnings; }

    public List<String> weightsEntryPath() { return weightsEntry; }

    /** The weights entry as a key ({@code state_dict}), empty for the top level. */
    public String weightsEntry() { return ObjectTree.join(weightsEntry); }

    /** The object at the weights entry (a dict, a module placeholder, ...), if the path leads to one. */
    public Optional<Object> weightsNode() {
        Object node = root;
        for (String segment : weightsEntry) {
            if (!(node instanceof java.util.Map<?, ?> m)) return Optional.empty();
            Object next = null;
            for (java.util.Map.Entry<?, ?> e : m.entrySet()) {
                if (io.weightbench.format.pickle.PyValues.keyText(e.getKey()).equals(segment)) {
                    next = e.getValue();
                    break;
                }
            }
            if (next == null) return Optional.empty();
            node = next;
        }
        return Optional.of(node);
    }

    public Optional<TensorEntry> tensor(String key) {
        return tensors.stream().filter(t -> t.key().equals(key)).findFirst();
    }

    /** The tensors of the weights entry, with keys relative to it. */
    public List<TensorEntry> weights() {
        List<TensorEntry> out = new ArrayList<>();
        for (TensorEntry t : tensors) {
            if (weightsEntry.isEmpty()) {
                out.add(t);
            } else if (WeightsEntry.startsWith(t.path(), weightsEntry)) {
                out.add(t.withPath(t.path().subList(weightsEntry.size(), t.path().size())));
            }
        }
        return out;
    }

    /**
     * The same checkpoint with another weights entry, given as a key ({@code model.ema}) or "" for the
     * top level. The key must name a node that holds tensors.
     */
    public Checkpoint withWeightsEntry(String key) throws CheckpointException {
        List<String> path = resolveEntry(key);
        return new Checkpoint(file, format, root, tensors, objects, metadata, warnings, path, resources, pickleGlobals);
    }

    private List<String> resolveEntry(String key) throws CheckpointException {
        if (key.isEmpty()) return List.of();
        for (TensorEntry t : tensors) {
            List<String> p = t.path();
            for (int n = 1; n < p.size(); n++) {
                if (ObjectTree.join(p.subList(0, n)).equals(key)) return List.copyOf(p.subList(0, n));
            }
        }
        throw new CheckpointException(file, "no entry '" + key + "' holding tensors (top-level entries: "
                + topLevelNames() + ")");
    }

    private String topLevelNames() {
        List<String> names = new ArrayList<>();
        for (TensorEntry t : tensors) {
            String first = t.path().get(0);
            if (!names.contains(first)) names.add(first);
            if (names.size() > 12) break;
        }
        return String.join(", ", names);
    }

    /** The same checkpoint, recording the Python globals its pickle names (what torch.load would import). */
    public Checkpoint withPickleGlobals(java.util.Set<String> globals) {
        return new Checkpoint(file, format, root, tensors, objects, metadata, warnings, weightsEntry, resources, globals);
    }

    /**
     * Every Python global the checkpoint's pickles name, its shards' included, sorted; empty for
     * formats without pickles and for TorchScript archives (whose loader imports no Python).
     */
    public java.util.SortedSet<String> pickleGlobals() {
        java.util.TreeSet<String> all = null;
        for (Closeable c : resources) {
            if (c instanceof Checkpoint inner && !inner.pickleGlobals().isEmpty()) {
                if (all == null) all = new java.util.TreeSet<>(pickleGlobals);
                all.addAll(inner.pickleGlobals());
            }
        }
        return all == null ? pickleGlobals : java.util.Collections.unmodifiableSortedSet(all);
    }

    /**
     * Every file this checkpoint reads from: the file (or the files of the folder) it was opened
     * from, shards, external data. An export's output may be none of them.
     */
    public List<Path> inputs() {
        List<Path> out = new ArrayList<>();
        for (Closeable c : resources) {
            if (c instanceof Checkpoint inner) {
                out.addAll(inner.inputs());
            } else if (c instanceof io.weightbench.tensor.MappedFile f) {
                out.add(f.path());
            } else if (c instanceof InputFiles f) {
                out.addAll(f.paths());
            }
        }
        if (out.isEmpty() && file != null) out.add(file);
        return out;
    }

    /** A resource that reads files (a reader's set of source files): its paths are the checkpoint's inputs. */
    public interface InputFiles extends Closeable {
        List<Path> paths();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Closeable c : resources) {
            try {
                c.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
