package io.weightbench.tensor;

import java.io.Closeable;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file read through memory-mapped windows, mapped lazily one window at a time, so files (and
 * tensors) over 2 GB work and opening a file costs nothing until its bytes are read. Large reads
 * (streaming a tensor) go through positional reads instead: the same page-cache copy, without
 * mapping gigabytes into the process (which would count them in its resident memory).
 */
public final class MappedFile implements ByteSource, Closeable {

    static final int DEFAULT_WINDOW = 1 << 30;
    /** Reads at least this long bypass the mapping. */
    static final int STREAMING_READ = 64 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final int window;
    private final MappedByteBuffer[] windows;

    public MappedFile(Path path) throws IOException {
        this(path, DEFAULT_WINDOW);
    }

    MappedFile(Path path, int window) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        this.size = channel.size();
        this.window = window;
        long count = (size + window - 1) / window;
        this.windows = new MappedByteBuffer[(int) Math.max(count, 0)];
    }

    public Path path() { return path; }

    @Override
    public long size() { return size; }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        if (position < 0 || len < 0 || position + len > size) {
            throw new IOException(path + ": read of " + len + " bytes at offset " + position
                    + " lies outside the file (" + size + " bytes)");
        }
        if (len >= STREAMING_READ) {
            readDirect(position, dst, off, len);
            return;
        }
        while (len > 0) {
            int w = (int) (position / window);
            int inWindow = (int) (position % window);
            MappedByteBuffer buf = window(w);
            int n = Math.min(len, buf.capacity() - inWindow);
            buf.get(inWindow, dst, off, n);
            position += n;
            off += n;
            len -= n;
        }
    }

    /**
     * A positional read that never maps: for structure records (zip headers) that sit between large
     * data regions, where a page fault would also map the surrounding data into this process.
     */
    public void readDirect(long position, byte[] dst, int off, int len) throws IOException {
        if (position < 0 || len < 0 || position + len > size) {
            throw new IOException(path + ": read of " + len + " bytes at offset " + position
                    + " lies outside the file (" + size + " bytes)");
        }
        readFully(java.nio.ByteBuffer.wrap(dst, off, len), position);
    }

    /** Positional reads until {@code buf} is full. */
    private void readFully(java.nio.ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, p);
            if (n < 0) throw new IOException(path + ": the file ended at offset " + p + " (was it truncated while open?)");
            p += n;
        }
    }

    @Override
    public void readInto(long position, java.nio.ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        if (position < 0 || position + len > size) {
            throw new IOException(path + ": read of " + len + " bytes at offset " + position + " lies outside the file (" + size + " bytes)");
        }
        if (len < STREAMING_READ || !dst.isDirect()) {
            ByteSource.super.readInto(position, dst);
            return;
        }
        readFully(dst, position);
    }

    @Override
    public boolean kernelCopies() { return true; }

    @Override
    public java.util.OptionalLong fileOffset() { return java.util.OptionalLong.of(0); }

    @Override
    public void transferTo(long position, long count, FileChannel target) throws IOException {
        if (position < 0 || count < 0 || position + count > size) {
            throw new IOException(path + ": copy of " + count + " bytes at offset " + position + " lies outside the file (" + size + " bytes)");
        }
        long p = position;
        long end = position + count;
        while (p < end) {
            long n = channel.transferTo(p, end - p, target);
            if (n <= 0) throw new IOException(path + ": the file ended at offset " + p + " (was it truncated while open?)");
            p += n;
        }
    }

    private synchronized MappedByteBuffer window(int index) throws IOException {
        MappedByteBuffer buf = windows[index];
        if (buf == null) {
            long start = (long) index * window;
            long length = Math.min(window, size - start);
            buf = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
            windows[index] = buf;
        }
        return buf;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
