package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorValue;
import io.weightbench.format.pickle.PyDict;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A numpy {@code .npz} archive ({@code np.savez}, stored or compressed): one tensor per {@code .npy} entry. */
final class NpzReader implements CheckpointReader {

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        Optional<ZipArchive> zip = probe.zip();
        if (zip.isPresent() && zip.get().names().stream().anyMatch(n -> n.endsWith(".npy"))) {
            return Optional.of(formats -> open(probe, zip.get()));
        }
        return Optional.empty();
    }

    private static Checkpoint open(Probe probe, ZipArchive zip) throws IOException {
        PyDict tree = new PyDict();
        List<String> warnings = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        int compressed = 0;
        for (ZipArchive.Entry e : zip.entries().values()) {
            if (!e.name().endsWith(".npy")) {
                if (!e.name().endsWith("/")) warnings.add("entry " + e.name() + " is not a .npy array and was skipped");
                continue;
            }
            if (e.method() != 0) compressed++;
            String key = e.name().substring(0, e.name().length() - 4);
            tree.put(key, new TensorValue(NpyHeader.read(e.name(), zip.bytes(e)), false));
        }
        meta.put("compressed_entries", Integer.toString(compressed));
        return Checkpoint.of(probe.path(), "npz", tree, meta, warnings, List.of(probe.files()));
    }
}
