package io.weightbench.format.hdf5;

import io.jhdf.Superblock;
import io.jhdf.storage.HdfBackingStorage;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes jhdf reads, checked before anything is allocated: every read must lie inside the file
 * and be at most {@link #MAX_READ} long, and all reads together stay within a budget proportional
 * to the file's size, so a structure that points back at itself (a B-tree cycle, a continuation
 * loop) ends in an error rather than a hang. jhdf's own file channel storage allocates whatever
 * length a header asks for before it reads, which a hostile file sets to gigabytes.
 */
final class BoundedStorage implements HdfBackingStorage {

    /** No single HDF5 structure or chunk this program reads is larger. */
    static final int MAX_READ = 256 << 20;
    /** Reads beyond the file's own size that any well-formed file stays under (each structure is read a few times at most). */
    static final long BUDGET_FACTOR = 16;
    static final long BUDGET_BASE = 64L << 20;
    static final long MAX_READ_CALLS_BASE = 2_000_000;

    private final ByteSource source;
    private final Superblock superblock;
    private final long size;
    private final long maxBytes;
    private final long maxCalls;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();

    BoundedStorage(ByteSource source, Superblock superblock) {
        this.source = source;
        this.superblock = superblock;
        this.size = source.size();
        this.maxBytes = BUDGET_BASE + BUDGET_FACTOR * size;
        this.maxCalls = MAX_READ_CALLS_BASE + size / 8;
    }

    @Override
    public ByteBuffer readBufferFromAddress(long address, int length) {
        return read(absolute(address), length);
    }

    @Override
    public ByteBuffer map(long address, long length) {
        return read(absolute(address), length);
    }

    @Override
    public ByteBuffer mapNoOffset(long address, long length) {
        return read(address, length);
    }

    private long absolute(long address) {
        long base = superblock.getBaseAddressByte();
        if (address < 0 || base < 0 || address > size) {
            throw new Hdf5LimitException("refers to address " + Long.toUnsignedString(address) + ", outside the file ("
                    + size + " bytes; truncated?)");
        }
        return base + address;
    }

    private ByteBuffer read(long position, long length) {
        if (length < 0 || position < 0 || position > size || length > size - position) {
            throw new Hdf5LimitException("has a structure of " + length + " bytes at offset " + position
                    + " that runs past the end of the file (" + size + " bytes; truncated?)");
        }
        if (length > MAX_READ) {
            throw new Hdf5LimitException("has a structure of " + length + " bytes at offset " + position
                    + ", over the limit of " + MAX_READ + " bytes");
        }
        if (bytes.addAndGet(length) > maxBytes || calls.incrementAndGet() > maxCalls) {
            throw new Hdf5LimitException("needs more reads than a file of " + size
                    + " bytes can hold (its structures point back at themselves?)");
        }
        byte[] b = new byte[(int) length];
        try {
            source.read(position, b, 0, b.length);
        } catch (IOException e) {
            throw new Hdf5LimitException("cannot be read at offset " + position + ": " + e.getMessage());
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The whole file's bytes as the storage sees them (base address not applied). */
    ByteSource source() { return source; }

    @Override
    public long getUserBlockSize() { return superblock.getBaseAddressByte(); }

    @Override
    public Superblock getSuperblock() { return superblock; }

    /** jhdf reads only through the methods above; no channel is handed out. */
    @Override
    public FileChannel getFileChannel() {
        throw new UnsupportedOperationException("HDF5 files are read through bounded reads only");
    }

    @Override
    public int getSizeOfOffsets() { return superblock.getSizeOfOffsets(); }

    @Override
    public int getSizeOfLengths() { return superblock.getSizeOfLengths(); }

    /** The source belongs to the checkpoint, which closes it. */
    @Override
    public void close() {}

    @Override
    public long size() { return size; }

    /**
     * Reported as in memory: jhdf then never closes our source itself and refuses to open the
     * files external links name (it would open any path a file names, even a FIFO that blocks).
     */
    @Override
    public boolean inMemory() { return true; }
}
