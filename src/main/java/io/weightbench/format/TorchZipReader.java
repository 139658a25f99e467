package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.pickle.PickleMachine;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.Storage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * torch's zip format of every vintage ({@code torch.save} since 1.6, and 1.5's opt-in one) and
 * TorchScript archives ({@code torch.jit.save}), which share it: {@code <top>/data.pkl} plus one
 * record per storage under {@code <top>/data/}. 2.x's {@code byteorder} record is honoured
 * (big-endian storages are swapped when read).
 */
final class TorchZipReader implements CheckpointReader {

    static final long MAX_PICKLE = 1L << 30;
    /**
     * torch stores data.pkl uncompressed (read in place); a deflated one is inflated to a temporary
     * file first, so a megabyte of zeros could cost a gigabyte of disk before the pickle is refused.
     */
    static final long MAX_DEFLATED_PICKLE = 256L << 20;

    @Override
    public Optional<Opener> probe(Probe probe) throws IOException {
        Optional<ZipArchive> zip = probe.zip();
        if (zip.isEmpty()) return Optional.empty();
        boolean pickle = find(zip.get(), "data.pkl").isPresent();
        if (!pickle && find(zip.get(), "model.json").isEmpty()) return Optional.empty();
        String top = torchFolder(zip.get());
        ZipArchive.Entry dataPkl = zip.get().entries().get(top + "data.pkl");
        if (dataPkl != null) return Optional.of(formats -> open(probe, zip.get(), dataPkl));
        ZipArchive.Entry modelJson = zip.get().entries().get(top + "model.json");
        if (modelJson != null) return Optional.of(formats -> openModelJson(probe, zip.get(), modelJson));
        throw new FormatException("torch zip archive has no " + top + "data.pkl (torch reads only the first entry's folder, '"
                + shorten(top) + "')");
    }

    /**
     * The archive's folder as torch's reader ({@code PyTorchStreamReader}) finds it: the folder of
     * the central directory's first entry, which every other entry must be inside. torch refuses
     * any other layout ("file in archive is not in a subdirectory"), so we do too, rather than
     * show a pickle that torch would never run, or hide the one it would (a second folder's
     * {@code data.pkl}). Returns the folder with its slash.
     */
    static String torchFolder(ZipArchive zip) throws FormatException {
        String first = zip.entries().keySet().iterator().next();
        int slash = first.indexOf('/');
        if (slash <= 0) {
            throw new FormatException("torch zip archive's first entry '" + shorten(first)
                    + "' is not in a folder (torch refuses it: every entry must be in one folder)");
        }
        String top = first.substring(0, slash + 1);
        for (String name : zip.entries().keySet()) {
            if (!name.startsWith(top)) {
                throw new FormatException("torch zip archive has entries outside its folder '" + shorten(top) + "': '" + shorten(name)
                        + "' (torch refuses it; a second folder can hide a pickle)");
            }
        }
        return top;
    }

    private static String shorten(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    /** Some entry {@code <top>/<name>} (one folder deep) or {@code <name>}: the archive means to be torch's. */
    static Optional<ZipArchive.Entry> find(ZipArchive zip, String name) {
        for (ZipArchive.Entry e : zip.entries().values()) {
            String n = e.name();
            int slash = n.indexOf('/');
            if (slash > 0 && n.indexOf('/', slash + 1) < 0 && n.substring(slash + 1).equals(name)) return Optional.of(e);
            if (n.equals(name)) return Optional.of(e);
        }
        return Optional.empty();
    }

    private static Checkpoint openModelJson(Probe probe, ZipArchive zip, ZipArchive.Entry modelJson) throws IOException {
        String folder = modelJson.name().substring(0, modelJson.name().length() - "model.json".length());
        Object root = LegacyTorchScript.read(zip, folder, modelJson);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("torchscript_format", "model.json (torch 1.0-1.2)");
        putIfPresent(meta, "archive_version", text(zip, folder + "version"));
        return Checkpoint.of(probe.path(), "torchscript", root, meta, List.of(), List.of(probe.files()));
    }

    private static Checkpoint open(Probe probe, ZipArchive zip, ZipArchive.Entry pkl) throws IOException {
        String top = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
        Map<String, String> meta = new LinkedHashMap<>();
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        String byteorder = text(zip, top + "byteorder");
        if (byteorder != null) {
            meta.put("byteorder", byteorder);
            if (byteorder.equals("big")) order = ByteOrder.BIG_ENDIAN;
            else if (!byteorder.equals("little")) throw new FormatException("byteorder record says '" + byteorder + "'");
        }
        // plain calls, no lambdas or streams: a listing's first run of each costs a cold JVM a millisecond or more
        String version = text(zip, top + "version");
        if (version == null) version = textQuiet(zip, top + ".data/version");
        putIfPresent(meta, "archive_version", version);
        putIfPresent(meta, "format_version", text(zip, top + ".format_version"));
        putIfPresent(meta, "storage_alignment", text(zip, top + ".storage_alignment"));
        putIfPresent(meta, "serialization_id", text(zip, top + ".data/serialization_id"));
        meta.put("archive_folder", top.isEmpty() ? "" : top.substring(0, top.length() - 1));

        String code = top + "code/";
        boolean torchscript = zip.entries().containsKey(top + "constants.pkl");
        for (String name : zip.entries().keySet()) {
            if (name.startsWith(code)) {
                torchscript = true;
                break;
            }
        }
        String format = torchscript ? "torchscript" : "torch-zip";
        if (zip.entries().containsKey(top + "bytecode.pkl")) meta.put("mobile_bytecode", "yes (lite interpreter)");

        ByteOrder storageOrder = order;
        String data = top + "data/";
        TorchPickle hooks = new TorchPickle((key, dtype, numel, location) -> {
            ZipArchive.Entry rec = zip.entries().get(data.concat(key));
            if (rec == null) rec = zip.entries().get(top + ".data/" + key);
            if (rec == null) throw new FormatException("storage record data/" + key + " is missing from the archive");
            ByteSource bytes = zip.bytes(rec);
            return new Storage(key, dtype, numel, storageOrder, location, bytes);
        });
        if (pkl.size() > MAX_PICKLE) throw new FormatException("data.pkl is " + pkl.size() + " bytes, over the 1 GiB limit");
        if (pkl.method() != 0 && pkl.size() > MAX_DEFLATED_PICKLE) {
            throw new FormatException("data.pkl is compressed and inflates to " + pkl.size() + " bytes, over the 256 MiB limit for"
                    + " compressed pickles (torch stores data.pkl uncompressed)");
        }
        PickleMachine vm = new PickleMachine(zip.bytes(pkl), hooks);
        Object root;
        try {
            root = vm.load();
        } catch (IOException e) {
            throw new FormatException("data.pkl: " + e.getMessage());
        }
        List<String> warnings = new ArrayList<>();
        for (String name : zip.entries().keySet()) {
            if (name.endsWith("data.pkl") && !name.equals(pkl.name())) {
                warnings.add("the archive also holds " + shorten(name) + ", a pickle torch does not read (not shown; a hidden pickle?)");
                break;
            }
        }
        if (torchscript) {
            meta.put("note", "TorchScript: tensors listed under their attribute paths (parameters and buffers)");
        }
        List<Closeable> resources = List.of(probe.files());
        return PickleOpener.checkpoint(probe.path(), format, root, vm, meta, warnings, resources);
    }

    private static void putIfPresent(Map<String, String> meta, String key, String value) {
        if (value != null) meta.put(key, value);
    }

    /** A small text record of the archive, trimmed; null when the archive has none. */
    private static String text(ZipArchive zip, String name) throws IOException {
        ZipArchive.Entry e = zip.entries().get(name);
        if (e == null) return null;
        return new String(zip.readSmall(e, 4096), StandardCharsets.UTF_8).trim();
    }

    /** As {@link #text}, a record that cannot be read counting as absent. */
    private static String textQuiet(ZipArchive zip, String name) {
        try {
            return text(zip, name);
        } catch (IOException e) {
            return null;
        }
    }
}
