package io.weightbench.tensor;

import java.io.IOException;

/** A read-only, random-access run of bytes (a region of a file, an inflated zip entry, a byte array). */
public interface ByteSource {

    long size();

    /** Copies {@code len} bytes starting at {@code position} into {@code dst}; fails if the run is shorter. */
    void read(long position, byte[] dst, int off, int len) throws IOException;

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
