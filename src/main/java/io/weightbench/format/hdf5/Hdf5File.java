package io.weightbench.format.hdf5;

import io.jhdf.HdfFile;
import io.jhdf.Superblock;
import io.jhdf.api.Group;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * An HDF5 file opened with jhdf over any {@link ByteSource} (a file, a zip entry read in place, an
 * inflated entry), without copying it: jhdf parses the structure; every byte it reads passes
 * through {@link BoundedStorage}'s checks, and every call into it goes through {@link #call},
 * which turns whatever jhdf throws on a malformed file into one {@link FormatException}. Closing
 * deletes the temporary files that decoded chunked datasets were written to.
 */
public final class Hdf5File implements Closeable {

    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    /** Where a superblock may sit: after a user block of 0, 512, 1024 or 2048 bytes (within a probe's head). */
    private static final int[] SIGNATURE_OFFSETS = {0, 512, 1024, 2048};
    /** A superblock with its root symbol table entry is under 200 bytes for every size of offsets. */
    private static final int SUPERBLOCK_BYTES = 1024;

    private final ByteSource source;
    private final BoundedStorage storage;
    private final HdfFile file;
    private final List<Closeable> decoded = new ArrayList<>();
    private final List<Path> temporary = new ArrayList<>();
    private long decodedBytes;
    private long decodedInMemory;

    /**
     * All datasets of one file together decode to at most this much plus {@link #DECODED_PER_BYTE}
     * times the file's size: generous for real compression, while a few hostile kilobytes cannot
     * declare gigabytes of fill value or of highly compressed chunks and have them written out.
     */
    static final long DECODED_BASE = 64L << 20;
    static final long DECODED_PER_BYTE = 256;
    /** Decoded datasets held in the heap, all together; beyond this they go to temporary files. */
    static final long DECODED_IN_MEMORY = 256L << 20;

    private Hdf5File(ByteSource source, BoundedStorage storage, HdfFile file) {
        this.source = source;
        this.storage = storage;
        this.file = file;
    }

    /** Where the HDF5 signature starts in a file's head, or -1 when the head is not an HDF5 file's. */
    public static int signatureOffset(byte[] head) {
        for (int off : SIGNATURE_OFFSETS) {
            if (head.length < off + SIGNATURE.length) break;
            boolean match = true;
            for (int i = 0; i < SIGNATURE.length && match; i++) match = head[off + i] == SIGNATURE[i];
            if (match) return off;
        }
        return -1;
    }

    /** Reads the superblock and the root group's header; nothing else is read until asked for. */
    public static Hdf5File open(ByteSource source) throws IOException {
        int n = (int) Math.min(source.size(), 4096);
        byte[] head = new byte[n];
        source.read(0, head, 0, n);
        int at = signatureOffset(head);
        if (at < 0) throw new FormatException("is not an HDF5 file (no HDF5 signature)");
        int len = (int) Math.min(source.size(), at + SUPERBLOCK_BYTES);
        ByteBuffer sbBuffer = ByteBuffer.wrap(head, 0, len).slice().order(ByteOrder.LITTLE_ENDIAN);
        sbBuffer.position(at);
        Superblock sb = guard("reading the superblock", () -> Superblock.readSuperblock(sbBuffer));
        if (sb.getBaseAddressByte() != at) {
            throw new FormatException("HDF5 superblock at offset " + at + " gives base address " + sb.getBaseAddressByte()
                    + " (malformed HDF5 file)");
        }
        if (sb.getSizeOfOffsets() < 1 || sb.getSizeOfOffsets() > 8 || sb.getSizeOfLengths() < 1 || sb.getSizeOfLengths() > 8) {
            throw new FormatException("HDF5 superblock gives " + sb.getSizeOfOffsets() + "-byte offsets and "
                    + sb.getSizeOfLengths() + "-byte lengths (malformed HDF5 file)");
        }
        BoundedStorage storage = new BoundedStorage(source, sb);
        HdfFile file = guard("reading the root group", () -> JhdfAccess.open(storage));
        return new Hdf5File(source, storage, file);
    }

    /** The root group (its children are read when first asked for, through {@link #call}). */
    public Group root() { return file; }

    /** The file's bytes (addresses in datasets are relative to {@link #baseAddress()}). */
    public ByteSource source() { return source; }

    public long baseAddress() { return storage.getUserBlockSize(); }

    BoundedStorage storage() { return storage; }

    /**
     * Runs one call into jhdf. Whatever it throws on a malformed file (its own exceptions, buffer
     * underflows, bad casts, arithmetic overflow, a stack overflow on a self-referencing structure)
     * becomes a FormatException saying what was being read.
     */
    public <T> T call(String what, Supplier<T> op) throws FormatException {
        return guard(what, op);
    }

    static <T> T guard(String what, Supplier<T> op) throws FormatException {
        try {
            return op.get();
        } catch (RuntimeException e) {
            throw new FormatException("malformed HDF5 file: " + what + ": " + describe(e));
        } catch (StackOverflowError e) {
            throw new FormatException("malformed HDF5 file: " + what + ": its structures nest too deeply (or refer to themselves)");
        }
    }

    /** The most telling message in a chain of wrapped exceptions, on one line. */
    static String describe(Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Hdf5LimitException) return oneLine(t.getMessage());
            root = t;
        }
        String outer = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (root == e) return oneLine(outer + (e.getMessage() == null ? "" : " (" + e.getClass().getSimpleName() + ")"));
        String inner = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        String hint = String.valueOf(root.getMessage()).startsWith("End of buffer reached before NULL") ? UNTAGGED_OPAQUE : "";
        return oneLine(outer + " (" + inner + ")") + hint;
    }

    /**
     * jhdf (0.9.4 and still 0.13) cannot parse an opaque datatype with an empty tag, which is what
     * h5py writes for numpy void dtypes such as ml_dtypes' bfloat16: the whole group holding such a
     * dataset cannot be listed. Said in the error, since Keras 3 saves bfloat16 variables that way.
     */
    static final String UNTAGGED_OPAQUE = " (a known cause: an opaque datatype without a tag, which h5py writes for bfloat16"
            + " arrays such as Keras 3 bfloat16 variables and which jhdf cannot parse)";

    private static String oneLine(String s) {
        String t = s.replaceAll("\\s+", " ").trim();
        return t.length() > 400 ? t.substring(0, 400) + "..." : t;
    }

    /**
     * Counts {@code bytes} of decoded (or generated) data against the file's budget; fails when the
     * file's datasets would decode to more than it.
     */
    synchronized void reserveDecoded(String name, long bytes) throws FormatException {
        long budget = DECODED_BASE + DECODED_PER_BYTE * source.size();
        if (bytes > budget - decodedBytes) {
            throw new FormatException("HDF5 dataset '" + name + "' would decode to " + bytes + " bytes, more than this "
                    + source.size() + "-byte file's datasets may decode to in all (" + budget + " bytes: "
                    + DECODED_PER_BYTE + " times its size plus " + DECODED_BASE + ")");
        }
        decodedBytes += bytes;
    }

    /** Whether {@code bytes} of decoded data may be held in the heap (counted if so). */
    synchronized boolean holdInMemory(long bytes) {
        if (bytes > DecodedSource.IN_MEMORY || decodedInMemory + bytes > DECODED_IN_MEMORY) return false;
        decodedInMemory += bytes;
        return true;
    }

    /** A temporary file for decoded data, deleted when this file is closed (or at exit). */
    synchronized Path temporaryFile() throws IOException {
        Path p = Files.createTempFile("weightbench-hdf5-", ".bin");
        p.toFile().deleteOnExit();
        temporary.add(p);
        return p;
    }

    /** Something opened over decoded data (a mapped temporary file), closed with this file. */
    synchronized void own(Closeable c) {
        decoded.add(c);
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (Closeable c : decoded) {
            try {
                c.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        decoded.clear();
        for (Path p : temporary) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        temporary.clear();
        if (first != null) throw first;
    }
}
