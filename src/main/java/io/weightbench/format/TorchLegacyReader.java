package io.weightbench.format;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.pickle.PickleException;
import io.weightbench.format.pickle.PickleHooks;
import io.weightbench.format.pickle.PickleMachine;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyValues;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.MappedFile;
import io.weightbench.tensor.Storage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * torch's legacy format ({@code torch.save} before 1.6, or with {@code _use_new_zipfile_serialization=False}):
 * five pickles in a row (magic number, protocol version, sys_info, the object, the storage keys)
 * followed by each storage's element count and bytes. Storages are located by walking that tail,
 * reading only each 8-byte count.
 */
final class TorchLegacyReader implements CheckpointReader {

    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long PROTOCOL_VERSION = 1001;

    @Override
    public Optional<Opener> probe(Probe probe) {
        byte[] head = probe.head();
        if (head.length < 2) return Optional.empty();
        try {
            Object magic = new PickleMachine(ByteSource.of(head), 0, PickleHooks.NONE,
                    new PickleMachine.Limits(8, 8, 64, 64)).load();
            if (!MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.of(formats -> open(probe));
    }

    private static Checkpoint open(Probe probe) throws IOException {
        MappedFile file = probe.file();
        long pos = 0;
        PickleMachine magicVm = new PickleMachine(file, pos, PickleHooks.NONE, PickleMachine.Limits.DEFAULT);
        magicVm.load();
        pos = magicVm.position();
        PickleMachine protoVm = new PickleMachine(file, pos, PickleHooks.NONE, PickleMachine.Limits.DEFAULT);
        Object protocol = protoVm.load();
        if (!(protocol instanceof Long p) || p != PROTOCOL_VERSION) {
            throw new FormatException("legacy torch file with unsupported protocol version " + PyValues.describe(protocol));
        }
        pos = protoVm.position();
        PickleMachine sysVm = new PickleMachine(file, pos, PickleHooks.NONE, PickleMachine.Limits.DEFAULT);
        Object sysInfo = sysVm.load();
        pos = sysVm.position();
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("legacy_protocol_version", Long.toString(PROTOCOL_VERSION));
        if (sysInfo instanceof PyDict d) {
            if (Boolean.FALSE.equals(d.get("little_endian"))) order = ByteOrder.BIG_ENDIAN;
            meta.put("little_endian", PyValues.describe(d.get("little_endian")));
            if (d.get("type_sizes") instanceof PyDict sizes) meta.put("type_sizes", sizes.toString());
        }

        Map<String, DeferredSource> deferred = new HashMap<>();
        ByteOrder storageOrder = order;
        TorchPickle hooks = new TorchPickle((key, dtype, numel, location) -> {
            DeferredSource src = new DeferredSource(key, Math.multiplyExact(numel, (long) dtype.itemSize()), dtype.itemSize());
            deferred.put(key, src);
            return new Storage(key, dtype, numel, storageOrder, location, src);
        });
        PickleMachine main = new PickleMachine(file, pos, hooks, PickleMachine.Limits.DEFAULT);
        Object root = main.load();
        pos = main.position();
        PickleMachine keysVm = new PickleMachine(file, pos, PickleHooks.NONE, PickleMachine.Limits.DEFAULT);
        Object keys = keysVm.load();
        pos = keysVm.position();
        if (!(keys instanceof List<?> keyList)) throw new FormatException("legacy storage key list is a " + PyValues.describe(keys));

        byte[] count = new byte[8];
        for (Object k : keyList) {
            String key = PyValues.keyText(k);
            DeferredSource src = deferred.get(key);
            if (src == null) throw new FormatException("legacy storage " + key + " is listed but no tensor uses it");
            if (pos + 8 > file.size()) throw new FormatException("the file ends before storage " + key + " (truncated?)");
            file.read(pos, count, 0, 8);
            long numel = ByteBuffer.wrap(count).order(order).getLong();
            long bytes = numel * src.itemSize;
            if (numel < 0 || bytes / src.itemSize != numel || pos + 8 + bytes > file.size()) {
                throw new FormatException("storage " + key + " of " + numel + " elements runs past the end of the file (truncated?)");
            }
            if (bytes < src.size) {
                throw new FormatException("storage " + key + " holds " + numel + " elements but its tensors need " + src.size / src.itemSize);
            }
            src.bind(file.slice(pos + 8, bytes));
            pos += 8 + bytes;
        }
        for (DeferredSource src : deferred.values()) {
            if (src.target == null) throw new FormatException("storage " + src.key + " is used but missing from the file");
        }
        if (pos < file.size()) meta.put("trailing_bytes", Long.toString(file.size() - pos));
        return PickleOpener.checkpoint(probe.path(), "torch-legacy", root, main, meta, List.of(), List.of(probe.files()));
    }

    /** A storage's bytes, located only once the file's tail has been walked. */
    private static final class DeferredSource implements ByteSource {
        final String key;
        final long size;
        final int itemSize;
        ByteSource target;

        DeferredSource(String key, long size, int itemSize) {
            this.key = key;
            this.size = size;
            this.itemSize = itemSize;
        }

        void bind(ByteSource t) { target = t; }

        @Override public long size() { return size; }

        @Override public void read(long position, byte[] dst, int off, int len) throws IOException {
            if (target == null) throw new PickleException("storage " + key + " read before it was located");
            if (position < 0 || position + len > size) throw new IOException("read outside storage " + key);
            target.read(position, dst, off, len);
        }

        @Override public void readInto(long position, java.nio.ByteBuffer dst) throws IOException {
            if (target == null) throw new PickleException("storage " + key + " read before it was located");
            if (position < 0 || position + dst.remaining() > size) throw new IOException("read outside storage " + key);
            target.readInto(position, dst);
        }

        @Override public boolean kernelCopies() { return target != null && target.kernelCopies(); }

        @Override public void transferTo(long position, long count, java.nio.channels.FileChannel out) throws IOException {
            if (target == null) throw new PickleException("storage " + key + " read before it was located");
            if (position < 0 || count < 0 || position + count > size) throw new IOException("copy outside storage " + key);
            target.transferTo(position, count, out);
        }
    }
}
