package io.weightbench.format.hdf5;

import io.jhdf.HdfFile;
import io.jhdf.Superblock;
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
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An HDF5 file over any {@link ByteSource} (a file, a zip entry read in place, an inflated entry),
 * without copying it. Its groups and datasets are listed by {@link Hdf5Metadata}, our own reader of
 * just the metadata a listing needs; a file it does not fully understand is listed by jhdf, the
 * reference, which also reads chunked datasets' data. Every byte jhdf reads passes through {@link
 * BoundedStorage}'s checks, and every call into it goes through {@link #call}, which turns whatever
 * jhdf throws on a malformed file into one {@link FormatException}. Closing deletes the temporary
 * files that decoded chunked datasets were written to.
 */
public final class Hdf5File implements Closeable {

    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    /** Where a superblock may sit: after a user block of 0, 512, 1024 or 2048 bytes (within a probe's head). */
    private static final int[] SIGNATURE_OFFSETS = {0, 512, 1024, 2048};
    /** A superblock with its root symbol table entry is under 200 bytes for every size of offsets. */
    private static final int SUPERBLOCK_BYTES = 1024;

    private final ByteSource source;
    private final int signatureAt;
    private Hdf5Node.Group root;
    private BoundedStorage storage;
    private HdfFile jhdf;
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

    /** A file whose root is not read yet: {@link #open} reads it (or a test, with {@link Hdf5Metadata#read}). */
    Hdf5File(ByteSource source, int signatureAt) {
        this.source = source;
        this.signatureAt = signatureAt;
    }

    /**
     * Set (to anything) to list every HDF5 file with jhdf, as before {@link Hdf5Metadata} existed:
     * for comparing the two, and a way around a fast-listing bug should one appear.
     */
    public static final String JHDF_ONLY = "weightbench.hdf5.jhdf";

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

    /**
     * Reads the file's group and dataset headers with {@link Hdf5Metadata}, or, for a file it does
     * not fully understand, the superblock and the root group's header with jhdf (which reads the
     * rest when asked for). No data is read.
     */
    public static Hdf5File open(ByteSource source) throws IOException {
        int n = (int) Math.min(source.size(), 4096);
        byte[] head = new byte[n];
        source.read(0, head, 0, n);
        int at = signatureOffset(head);
        if (at < 0) throw new FormatException("is not an HDF5 file (no HDF5 signature)");
        Hdf5File file = new Hdf5File(source, at);
        if (System.getProperty(JHDF_ONLY) == null) {
            Optional<Hdf5Node.Group> fast = Hdf5Metadata.read(file, source, at);
            if (fast.isPresent()) {
                file.root = fast.get();
                return file;
            }
        }
        file.root = (Hdf5Node.Group) JhdfNodes.wrap(file, file.jhdf());
        return file;
    }

    /** Whether the file was listed by {@link Hdf5Metadata} (false: by jhdf). */
    public boolean listedFast() { return !(root instanceof JhdfNodes.JGroup); }

    /** The file opened with jhdf: at open for a file listed with jhdf, else when a chunked dataset's data is first read. */
    synchronized HdfFile jhdf() throws FormatException {
        if (jhdf != null) return jhdf;
        int len = (int) Math.min(source.size(), signatureAt + SUPERBLOCK_BYTES);
        byte[] head = new byte[len];
        try {
            source.read(0, head, 0, len);
        } catch (IOException e) {
            throw new FormatException("cannot read the HDF5 superblock: " + e.getMessage());
        }
        ByteBuffer sbBuffer = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        sbBuffer.position(signatureAt);
        Superblock sb = guard("reading the superblock", () -> Superblock.readSuperblock(sbBuffer));
        if (sb.getBaseAddressByte() != signatureAt) {
            throw new FormatException("HDF5 superblock at offset " + signatureAt + " gives base address " + sb.getBaseAddressByte()
                    + " (malformed HDF5 file)");
        }
        if (sb.getSizeOfOffsets() < 1 || sb.getSizeOfOffsets() > 8 || sb.getSizeOfLengths() < 1 || sb.getSizeOfLengths() > 8) {
            throw new FormatException("HDF5 superblock gives " + sb.getSizeOfOffsets() + "-byte offsets and "
                    + sb.getSizeOfLengths() + "-byte lengths (malformed HDF5 file)");
        }
        BoundedStorage bounded = new BoundedStorage(source, sb);
        jhdf = guard("reading the root group", () -> JhdfAccess.open(bounded));
        storage = bounded;
        return jhdf;
    }

    /** A dataset by its path from the root, as jhdf reads it (for its chunk index). */
    io.jhdf.api.Dataset jhdfDataset(String path) throws FormatException {
        HdfFile f = jhdf();
        io.jhdf.api.Node n = call("looking up '" + path + "'", () -> f.getByPath(path));
        if (n instanceof io.jhdf.api.Dataset d && !(n instanceof io.jhdf.api.Link)) return d;
        throw new FormatException("malformed HDF5 file: '" + path + "' is not a dataset when read with jhdf");
    }

    /** The root group. */
    public Hdf5Node.Group root() { return root; }

    /** The file's bytes (addresses in datasets are relative to {@link #baseAddress()}). */
    public ByteSource source() { return source; }

    /** Where addresses count from: the superblock's offset (both parsers check the superblock says so). */
    public long baseAddress() { return signatureAt; }

    /** jhdf's storage: set once jhdf is open, which it is for any jhdf dataset being read. */
    synchronized BoundedStorage storage() { return storage; }

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
