package io.weightbench.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Several byte runs read as one: a tensor that spans weight shards (TF.js concatenates every
 * weight across its shard files) or is stored in chunks (Flax's chunked arrays). Reads that cross
 * a boundary are split between the parts; nothing is copied until read.
 */
public final class ConcatSource implements ByteSource {

    private final ByteSource[] parts;
    /** starts[i] is where part i begins; starts[parts.length] is the total size. */
    private final long[] starts;

    public ConcatSource(List<? extends ByteSource> parts) {
        this.parts = parts.toArray(new ByteSource[0]);
        this.starts = new long[this.parts.length + 1];
        for (int i = 0; i < this.parts.length; i++) starts[i + 1] = Math.addExact(starts[i], this.parts[i].size());
    }

    /** The run of {@code parts}' bytes from {@code offset}, {@code length} long (a slice of the concatenation). */
    public static ByteSource of(List<? extends ByteSource> parts, long offset, long length) {
        if (parts.size() == 1) return parts.get(0).slice(offset, length);
        return new ConcatSource(parts).slice(offset, length);
    }

    @Override
    public long size() { return starts[parts.length]; }

    /** The part holding byte {@code position}. */
    private int part(long position) {
        int i = Arrays.binarySearch(starts, position);
        if (i < 0) i = -i - 2;
        while (i < parts.length - 1 && starts[i + 1] == position && parts[i].size() == 0) i++;
        return Math.min(i, parts.length - 1);
    }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        check(position, len);
        while (len > 0) {
            int i = part(position);
            long in = position - starts[i];
            int n = (int) Math.min(len, parts[i].size() - in);
            if (n <= 0) throw new IOException("read of " + len + " bytes at " + position + " runs past " + size() + " bytes");
            parts[i].read(in, dst, off, n);
            position += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void readInto(long position, ByteBuffer dst) throws IOException {
        check(position, dst.remaining());
        while (dst.hasRemaining()) {
            int i = part(position);
            long in = position - starts[i];
            int n = (int) Math.min(dst.remaining(), parts[i].size() - in);
            if (n <= 0) throw new IOException("read at " + position + " runs past " + size() + " bytes");
            ByteBuffer piece = dst.duplicate();
            piece.limit(piece.position() + n);
            parts[i].readInto(in, piece);
            dst.position(dst.position() + n);
            position += n;
        }
    }

    @Override
    public boolean kernelCopies() {
        for (ByteSource p : parts) if (!p.kernelCopies()) return false;
        return true;
    }

    @Override
    public void transferTo(long position, long count, FileChannel target) throws IOException {
        check(position, count);
        while (count > 0) {
            int i = part(position);
            long in = position - starts[i];
            long n = Math.min(count, parts[i].size() - in);
            if (n <= 0) throw new IOException("copy at " + position + " runs past " + size() + " bytes");
            parts[i].transferTo(in, n, target);
            position += n;
            count -= n;
        }
    }

    private void check(long position, long len) throws IOException {
        if (position < 0 || len < 0 || position + len > size() || position + len < 0) {
            throw new IOException("read of " + len + " bytes at " + position + " lies outside " + size() + " bytes");
        }
    }
}
