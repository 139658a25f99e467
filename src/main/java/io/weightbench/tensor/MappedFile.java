package io.weightbench.tensor;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

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
    private final long size;
    private final int window;
    private final MappedByteBuffer[] windows;
    /** Whether the channel may be closed while idle and opened again by path (not for unlinked temporary files). */
    private final boolean reopenable;
    /** The file's identity when first opened (device and inode, and its modification time, as inodes are reused): a file opened again must be the same one. */
    private final List<Object> fileKey;
    private final ReentrantLock lock = new ReentrantLock();
    /** Open, or null while closed for want of file descriptors (reopenable files only); guarded by {@link #lock}. */
    private FileChannel channel;
    /** The file {@link #channel} belongs to (one descriptor), for {@link #readSmall}; guarded by {@link #lock}. */
    private RandomAccessFile file;
    private int inUse;
    private boolean closed;

    /** A file that keeps its descriptor open until closed (a temporary file may be unlinked once open). */
    public MappedFile(Path path) throws IOException {
        this(path, DEFAULT_WINDOW, false);
    }

    MappedFile(Path path, int window) throws IOException {
        this(path, window, false);
    }

    private MappedFile(Path path, int window, boolean reopenable) throws IOException {
        this.path = path;
        this.file = openFile(path);
        this.channel = file.getChannel();
        try {
            this.size = channel.size();
            this.fileKey = reopenable ? identity(path) : null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        this.window = window;
        this.reopenable = reopenable && fileKey != null;
        long count = (size + window - 1) / window;
        this.windows = new MappedByteBuffer[(int) Math.max(count, 0)];
        if (this.reopenable) OpenFiles.touch(this);
    }

    /**
     * A file the user named (a checkpoint, a shard, external data): its descriptor may be closed
     * while idle when more than {@link OpenFiles#limit} such files are open (an index naming
     * thousands of shards must not run out of descriptors), and is opened again on the next read,
     * refusing a file that was replaced meanwhile. Mapped windows stay valid without it.
     */
    public static MappedFile reopenable(Path path) throws IOException {
        return new MappedFile(path, DEFAULT_WINDOW, true);
    }

    /** The file's key and modification time; null where the file system gives no key. */
    private static List<Object> identity(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return a.fileKey() == null ? null : List.of(a.fileKey(), a.lastModifiedTime());
    }

    /** The channel, opened again if it was closed while idle; every call is paired with {@link #release}. */
    private FileChannel acquire() throws IOException {
        FileChannel c;
        boolean reopened;
        lock.lock();
        try {
            reopened = openLocked();
            inUse++;
            c = channel;
        } finally {
            lock.unlock();
        }
        if (reopenable && reopened) OpenFiles.touch(this);
        return c;
    }

    /** Opens the channel again if it was closed while idle (checking it is the same file); true if it did. Holds {@link #lock}. */
    private boolean openLocked() throws IOException {
        if (closed) throw new ClosedChannelException();
        if (channel != null) return false;
        if (!Objects.equals(identity(path), fileKey)) throw new IOException(path + ": the file was replaced while it was open");
        file = openFile(path);
        channel = file.getChannel();
        if (channel.size() != size) {
            channel.close();
            channel = null;
            file = null;
            throw new IOException(path + ": the file changed size while it was open (" + size + " bytes when opened)");
        }
        return true;
    }

    /**
     * The file opened for reading, failing as {@link FileChannel#open} does (NoSuchFileException,
     * AccessDeniedException, ..., which name the reason) where RandomAccessFile's failure does not.
     */
    private static RandomAccessFile openFile(Path path) throws IOException {
        try {
            return new RandomAccessFile(path.toFile(), "r");
        } catch (java.io.FileNotFoundException e) {
            FileChannel.open(path, StandardOpenOption.READ).close(); // throws the nio exception saying why
            throw e;
        }
    }

    private void release() {
        lock.lock();
        try {
            inUse--;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the channel if no read is using it and the file can be opened again; never waits. */
    private boolean closeIfIdle() {
        if (!lock.tryLock()) return false;
        try {
            if (inUse > 0 || channel == null) return channel == null;
            try {
                channel.close(); // and the file it belongs to
            } catch (IOException ignored) {
                // a read-only descriptor: nothing was written that could be lost
            }
            channel = null;
            file = null;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The reopenable files whose descriptors are open, least recently opened first; beyond
     * {@link #limit}, the oldest idle ones are closed. The limit is a quarter of the descriptors
     * the process may still open (from /proc/self/limits, between 8 and 256; 256 where that cannot
     * be read), worked out only once more than {@link #FREE} files are open.
     */
    static final class OpenFiles {
        /** This many files never need the limit (a checkpoint and a few siblings). */
        static final int FREE = 8;
        /** Negative until worked out (tests set it). */
        static volatile int limit = -1;
        private static final LinkedHashMap<MappedFile, Boolean> OPEN = new LinkedHashMap<>(16, 0.75f, true);

        private OpenFiles() {}

        static synchronized void touch(MappedFile f) {
            OPEN.put(f, Boolean.TRUE);
            if (OPEN.size() <= FREE) return;
            if (limit < 0) limit = fromProcess();
            Iterator<MappedFile> it = OPEN.keySet().iterator();
            int over = OPEN.size() - limit;
            while (over > 0 && it.hasNext()) {
                MappedFile old = it.next();
                if (old != f && old.closeIfIdle()) {
                    it.remove();
                    over--;
                }
            }
        }

        private static int fromProcess() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                    if (!line.startsWith("Max open files")) continue;
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    if (soft.equals("unlimited")) return 256;
                    String[] fds = new java.io.File("/proc/self/fd").list();
                    long free = Long.parseLong(soft) - (fds == null ? 64 : fds.length);
                    return (int) Math.max(FREE, Math.min(256, free / 4));
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: the default below
            }
            return 256;
        }

        static synchronized void remove(MappedFile f) {
            OPEN.remove(f);
        }

        static synchronized int open() {
            return OPEN.size();
        }
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
     * A positional read that never maps: for structure records (zip headers, HDF5 object headers)
     * that sit between large data regions, where a page fault would also map the surrounding data
     * into this process.
     */
    public void readDirect(long position, byte[] dst, int off, int len) throws IOException {
        if (position < 0 || len < 0 || position + len > size) {
            throw new IOException(path + ": read of " + len + " bytes at offset " + position
                    + " lies outside the file (" + size + " bytes)");
        }
        if (len <= SMALL_READ) readSmall(position, dst, off, len);
        else readFully(java.nio.ByteBuffer.wrap(dst, off, len), position);
    }

    /** Direct reads up to this long go through {@link #readSmall}. */
    static final int SMALL_READ = 8192;

    /**
     * A small read by seek and read on a {@link RandomAccessFile}: two native calls, where a
     * channel's positional read runs a dozen layers of Java (interruptible-I/O bookkeeping, a
     * temporary direct buffer, a copy). A listing of a 4 GiB Keras file makes ~1,100 such reads
     * in a new JVM before those layers are compiled; this way they took 8 ms less (of ~75).
     */
    private void readSmall(long position, byte[] dst, int off, int len) throws IOException {
        boolean reopened;
        lock.lock();
        try {
            reopened = openLocked();
            file.seek(position);
            for (int done = 0; done < len; ) {
                int n = file.read(dst, off + done, len - done);
                if (n < 0) throw new IOException(path + ": the file ended at offset " + (position + done) + " (was it truncated while open?)");
                done += n;
            }
        } finally {
            lock.unlock();
        }
        if (reopenable && reopened) OpenFiles.touch(this);
    }


    /** Positional reads until {@code buf} is full. */
    private void readFully(java.nio.ByteBuffer buf, long position) throws IOException {
        FileChannel c = acquire();
        try {
            long p = position;
            while (buf.hasRemaining()) {
                int n = c.read(buf, p);
                if (n < 0) throw new IOException(path + ": the file ended at offset " + p + " (was it truncated while open?)");
                p += n;
            }
        } finally {
            release();
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
        FileChannel c = acquire();
        try {
            long p = position;
            long end = position + count;
            while (p < end) {
                long n = c.transferTo(p, end - p, target);
                if (n <= 0) throw new IOException(path + ": the file ended at offset " + p + " (was it truncated while open?)");
                p += n;
            }
        } finally {
            release();
        }
    }

    private synchronized MappedByteBuffer window(int index) throws IOException {
        MappedByteBuffer buf = windows[index];
        if (buf == null) {
            long start = (long) index * window;
            long length = Math.min(window, size - start);
            FileChannel c = acquire();
            try {
                buf = c.map(FileChannel.MapMode.READ_ONLY, start, length);
            } finally {
                release();
            }
            windows[index] = buf;
        }
        return buf;
    }

    @Override
    public void close() throws IOException {
        if (reopenable) OpenFiles.remove(this);
        lock.lock();
        try {
            closed = true;
            if (channel != null) channel.close(); // and the file it belongs to
            channel = null;
            file = null;
        } finally {
            lock.unlock();
        }
    }
}
