package io.weightbench.format.hdf5;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A dataset whose bytes must be decoded before they can be read (chunked, compressed, compact):
 * decoded once, on first read, never at open. Up to {@link #IN_MEMORY} bytes go to the heap (while
 * the file's decoded datasets there stay under {@link Hdf5File#DECODED_IN_MEMORY}); larger ones to a
 * temporary file that is then memory-mapped. Beyond {@link #MAX_DECODED}, or beyond the file's
 * decoding budget ({@link Hdf5File#reserveDecoded(String, long)}), the read fails with an error (the dataset is
 * still listed).
 */
final class DecodedSource implements ByteSource {

    static final long IN_MEMORY = 64L << 20;
    /** The largest chunked or compact dataset decoded; a stated limit, not a heap size. */
    static final long MAX_DECODED = 4L << 30;

    /** Where a decoder puts the dataset's bytes, at row-major byte positions. */
    interface Sink {
        void write(long position, byte[] b, int off, int len) throws IOException;
    }

    /** Writes the whole dataset into a sink that starts filled with the fill value. */
    interface Decoder {
        void decodeInto(Sink sink) throws IOException;
    }

    private final Hdf5File file;
    private final String name;
    private final long size;
    private final byte[] fill;
    private final Decoder decoder;
    private ByteSource decoded;
    private IOException failed;

    /** {@code fill} is one element's fill value, or null for zeros. */
    DecodedSource(Hdf5File file, String name, long size, byte[] fill, Decoder decoder) {
        this.file = file;
        this.name = name;
        this.size = size;
        this.fill = fill;
        this.decoder = decoder;
    }

    @Override
    public long size() { return size; }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        decoded().read(position, dst, off, len);
    }

    @Override
    public void readInto(long position, ByteBuffer dst) throws IOException {
        decoded().readInto(position, dst);
    }

    /** Decodes once; a failure is kept and repeated, not retried on every read of the tensor. */
    private synchronized ByteSource decoded() throws IOException {
        if (decoded != null) return decoded;
        if (failed != null) throw failed;
        try {
            decoded = decode();
            return decoded;
        } catch (IOException e) {
            failed = e;
            throw e;
        }
    }

    private ByteSource decode() throws IOException {
        if (size > MAX_DECODED) {
            throw new FormatException("HDF5 dataset '" + name + "' decodes to " + size + " bytes, over the limit of " + MAX_DECODED
                    + " bytes for chunked or compressed HDF5 datasets");
        }
        file.reserveDecoded(name, size);
        if (file.holdInMemory(size)) {
            byte[] buf = new byte[(int) size];
            if (fill != null) FillSource.fill(fill, 0, buf, 0, buf.length);
            decoder.decodeInto((pos, b, o, l) -> System.arraycopy(b, o, buf, Math.toIntExact(pos), l));
            return ByteSource.of(buf);
        }
        Path tmp = file.temporaryFile();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            if (fill != null) {
                byte[] block = new byte[1 << 20];
                for (long p = 0; p < size; p += block.length) {
                    int n = (int) Math.min(block.length, size - p);
                    FillSource.fill(fill, p, block, 0, n);
                    writeFully(ch, p, block, 0, n);
                }
            } else {
                writeFully(ch, size - 1, new byte[1], 0, 1);
            }
            decoder.decodeInto((pos, b, o, l) -> writeFully(ch, pos, b, o, l));
        }
        MappedFile m = new MappedFile(tmp);
        file.own(m);
        return m;
    }

    private static void writeFully(FileChannel ch, long pos, byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        long p = pos;
        while (buf.hasRemaining()) p += ch.write(buf, p);
    }
}
