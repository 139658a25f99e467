package io.weightbench.tensor;

import java.io.IOException;

/** A read-only, random-access run of bytes (a region of a file, an inflated zip entry, a byte array). */
public interface ByteSource {

    long size();

    /** Copies {@code len} bytes starting at {@code position} into {@code dst}; fails if the run is shorter. */
    void read(long position, byte[] dst, int off, int len) throws IOException;

    /**
     * Fills {@code dst} (from its position to its limit) with bytes starting at {@code position}.
     * Sources backed by a file read straight into a direct buffer, without a copy through the heap.
     */
    default void readInto(long position, java.nio.ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        byte[] tmp = new byte[n];
        read(position, tmp, 0, n);
        dst.put(tmp);
    }

    /**
     * The CRC-32 of all of these bytes as the file's format records it (a stored zip entry's), if
     * it does: what they should be, not a check that they are.
     */
    default java.util.OptionalLong crc32() { return java.util.OptionalLong.empty(); }

    /** Where these bytes start in their file, when they are a plain region of one (not inflated, not in memory). */
    default java.util.OptionalLong fileOffset() throws IOException { return java.util.OptionalLong.empty(); }

    /** Whether {@link #transferTo} copies inside the kernel (the bytes are a region of a file) rather than through a buffer. */
    default boolean kernelCopies() { return false; }

    /**
     * Writes {@code count} bytes starting at {@code position} to {@code target} at its current
     * position (which advances). A region of a file is copied by the kernel (sendfile), never
     * passing through this process; anything else goes through a buffer.
     */
    default void transferTo(long position, long count, java.nio.channels.FileChannel target) throws IOException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(count, 1 << 20));
        long p = position;
        long end = position + count;
        while (p < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - p));
            readInto(p, buf);
            buf.flip();
            while (buf.hasRemaining()) target.write(buf);
            p += buf.limit();
        }
    }

    /** A view of {@code length} bytes starting at {@code offset}, checked against this source's size. */
    default ByteSource slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size() || offset + length < 0) {
            throw new IllegalArgumentException(
                    "region [" + offset + ", " + (offset + length) + ") lies outside " + size() + " bytes");
        }
        ByteSource parent = this;
        return new ByteSource() {
            @Override public long size() { return length; }

            @Override public void read(long position, byte[] dst, int off, int len) throws IOException {
                if (position < 0 || position + len > length) {
                    throw new IOException("read of " + len + " bytes at " + position + " lies outside " + length + " bytes");
                }
                parent.read(offset + position, dst, off, len);
            }

            @Override public void readInto(long position, java.nio.ByteBuffer dst) throws IOException {
                if (position < 0 || position + dst.remaining() > length) {
                    throw new IOException("read of " + dst.remaining() + " bytes at " + position + " lies outside " + length + " bytes");
                }
                parent.readInto(offset + position, dst);
            }

            @Override public boolean kernelCopies() { return parent.kernelCopies(); }

            @Override public java.util.OptionalLong fileOffset() throws IOException {
                java.util.OptionalLong p = parent.fileOffset();
                return p.isPresent() ? java.util.OptionalLong.of(p.getAsLong() + offset) : p;
            }

            @Override public void transferTo(long position, long count, java.nio.channels.FileChannel target) throws IOException {
                if (position < 0 || count < 0 || position + count > length) {
                    throw new IOException("copy of " + count + " bytes at " + position + " lies outside " + length + " bytes");
                }
                parent.transferTo(offset + position, count, target);
            }
        };
    }

    static ByteSource of(byte[] bytes) {
        return new ByteSource() {
            @Override public long size() { return bytes.length; }

            @Override public void read(long position, byte[] dst, int off, int len) throws IOException {
                if (position < 0 || position + len > bytes.length) {
                    throw new IOException("read of " + len + " bytes at " + position + " lies outside " + bytes.length + " bytes");
                }
                System.arraycopy(bytes, (int) position, dst, off, len);
            }
        };
    }
}
