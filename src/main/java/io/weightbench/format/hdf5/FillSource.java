package io.weightbench.format.hdf5;

import io.weightbench.tensor.ByteSource;
import java.io.IOException;

/**
 * A dataset that was never written (no data address): every element is the fill value, produced
 * on the fly as h5py would return it, without allocating the dataset. Its size counts against the
 * file's decoding budget on first read, so a few bytes of header cannot declare exabytes to hash.
 */
final class FillSource implements ByteSource {

    private final Hdf5File file;
    private final String name;
    private final long size;
    private final byte[] element;
    private boolean reserved;

    /** {@code element} is one element's fill value (zeros when the file defines none). */
    FillSource(Hdf5File file, String name, long size, byte[] element) {
        this.file = file;
        this.name = name;
        this.size = size;
        this.element = element.clone();
    }

    @Override
    public long size() { return size; }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        if (position < 0 || len < 0 || position + len > size) {
            throw new IOException("read of " + len + " bytes at " + position + " lies outside " + size + " bytes");
        }
        synchronized (this) {
            if (!reserved) {
                file.reserveDecoded(name, size);
                reserved = true;
            }
        }
        fill(element, position, dst, off, len);
    }

    /** Writes the repeating {@code element} pattern as it appears from byte {@code position} on. */
    static void fill(byte[] element, long position, byte[] dst, int off, int len) {
        int n = element.length;
        int phase = (int) (position % n);
        for (int i = 0; i < len; i++) {
            dst[off + i] = element[phase];
            if (++phase == n) phase = 0;
        }
    }
}
