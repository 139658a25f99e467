package io.weightbench.export;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import io.weightbench.tensor.CanonicalBytes;
import io.weightbench.tensor.TensorData;

/**
 * Writes a zip archive of stored (uncompressed) entries the way torch does: every entry's data
 * aligned to 64 bytes (padding in the local header's extra field), zip64 fields wherever a size or
 * offset needs them. Data is streamed, or copied by the kernel from the source file; each local
 * header's CRC is patched in once it is known.
 */
final class ZipWriter implements Closeable {

    static final int ALIGNMENT = 64;
    private static final long MAX32 = 0xffffffffL;

    private record Written(byte[] name, Future<Long> crc, long size, long localOffset, boolean pending) {}

    private final FileChannel ch;
    private final List<Written> entries = new ArrayList<>();
    private long pos;
    private long lastDataStart;

    ZipWriter(Path file) throws IOException {
        this.ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
    }

    FileChannel channel() { return ch; }

    /** Where the data of the entry added last starts in the file. */
    long lastDataStart() { return lastDataStart; }

    /** Receives an entry's data in order. */
    interface DataSource {
        void writeTo(EntrySink sink) throws IOException;
    }

    /** Where an entry's bytes go; it keeps the CRC. */
    final class EntrySink {
        private final CRC32 crc = new CRC32();
        private long written;

        void write(ByteBuffer b) throws IOException {
            int len = b.remaining();
            crc.update(b.duplicate());
            while (b.hasRemaining()) pos += ch.write(b, pos);
            written += len;
        }

        void write(byte[] b, int off, int len) throws IOException {
            crc.update(b, off, len);
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) pos += ch.write(buf, pos);
            written += len;
        }
    }

    void add(String name, byte[] data) throws IOException {
        add(name, data.length, sink -> sink.write(data, 0, data.length));
    }

    /** Adds an entry of {@code size} bytes; returns the CRC-32 of its data. */
    long add(String name, long size, DataSource data) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        long local = localHeader(nameBytes, size);
        EntrySink sink = new EntrySink();
        data.writeTo(sink);
        if (sink.written != size) {
            throw new IOException("zip entry " + name + ": wrote " + sink.written + " bytes, expected " + size);
        }
        long crc = sink.crc.getValue();
        patchCrc(local, crc);
        entries.add(new Written(nameBytes, java.util.concurrent.CompletableFuture.completedFuture(crc), size, local, false));
        return crc;
    }

    /**
     * Adds an entry holding a tensor's canonical bytes, copied by the kernel where the tensor is a
     * region of a file ({@link CanonicalBytes#transferTo}); its CRC-32 is computed elsewhere
     * meanwhile ({@code crc}) and patched in by {@link #finish}.
     */
    void addCopy(String name, TensorData tensor, Future<Long> crc) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        long size = tensor.nbytes();
        long local = localHeader(nameBytes, size);
        ch.position(pos);
        CanonicalBytes.transferTo(tensor, ch);
        long end = ch.position();
        if (end - pos != size) throw new IOException("zip entry " + name + ": wrote " + (end - pos) + " bytes, expected " + size);
        pos = end;
        entries.add(new Written(nameBytes, crc, size, local, true));
    }

    private long localHeader(byte[] nameBytes, long size) throws IOException {
        boolean zip64 = size >= MAX32;
        int zip64Len = zip64 ? 4 + 16 : 0;
        long headerEnd = pos + 30 + nameBytes.length + zip64Len;
        int pad = (int) ((ALIGNMENT - (headerEnd + 4) % ALIGNMENT) % ALIGNMENT);
        int extraLen = zip64Len + 4 + pad;
        long local = pos;
        ByteBuffer h = ByteBuffer.allocate(30 + nameBytes.length + extraLen).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0x21).putInt(0)
                .putInt(zip64 ? -1 : (int) size).putInt(zip64 ? -1 : (int) size)
                .putShort((short) nameBytes.length).putShort((short) extraLen).put(nameBytes);
        if (zip64) h.putShort((short) 1).putShort((short) 16).putLong(size).putLong(size);
        h.putShort((short) 0x4246).putShort((short) pad).put(new byte[pad]);
        h.flip();
        while (h.hasRemaining()) pos += ch.write(h, pos);
        lastDataStart = pos;
        return local;
    }

    private void patchCrc(long local, long crc) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) crc);
        while (b.hasRemaining()) ch.write(b, local + 14 + b.position());
    }

    private static long crcOf(Written e) throws IOException {
        try {
            return e.crc().get();
        } catch (ExecutionException x) {
            Throwable cause = x.getCause();
            if (cause instanceof IOException io) throw io;
            throw new IOException("computing the CRC-32 of zip entry " + new String(e.name(), StandardCharsets.UTF_8) + " failed: " + cause, cause);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /**
     * Patches in the CRCs still outstanding, writes the central directory and the end records. The
     * caller forces the file to disk (it may verify meanwhile).
     */
    void finish() throws IOException {
        for (Written e : entries) if (e.pending()) patchCrc(e.localOffset(), crcOf(e));
        long cdStart = pos;
        for (Written e : entries) {
            boolean bigSize = e.size() >= MAX32;
            boolean bigOffset = e.localOffset() >= MAX32;
            int z = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
            int extraLen = z > 0 ? 4 + z : 0;
            ByteBuffer c = ByteBuffer.allocate(46 + e.name().length + extraLen).order(ByteOrder.LITTLE_ENDIAN);
            c.putInt(0x02014b50).putShort((short) 45).putShort((short) (z > 0 ? 45 : 20)).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0x21).putInt((int) crcOf(e))
                    .putInt(bigSize ? -1 : (int) e.size()).putInt(bigSize ? -1 : (int) e.size())
                    .putShort((short) e.name().length).putShort((short) extraLen).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(bigOffset ? -1 : (int) e.localOffset())
                    .put(e.name());
            if (z > 0) {
                c.putShort((short) 1).putShort((short) z);
                if (bigSize) c.putLong(e.size()).putLong(e.size());
                if (bigOffset) c.putLong(e.localOffset());
            }
            c.flip();
            while (c.hasRemaining()) pos += ch.write(c, pos);
        }
        long cdSize = pos - cdStart;
        boolean zip64 = entries.size() >= 0xffff || cdStart >= MAX32 || cdSize >= MAX32;
        if (zip64) {
            long z64 = pos;
            ByteBuffer r = ByteBuffer.allocate(56 + 20).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(entries.size()).putLong(entries.size()).putLong(cdSize).putLong(cdStart);
            r.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
            r.flip();
            while (r.hasRemaining()) pos += ch.write(r, pos);
        }
        ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) Math.min(entries.size(), 0xffff)).putShort((short) Math.min(entries.size(), 0xffff))
                .putInt(zip64 ? -1 : (int) cdSize).putInt(zip64 ? -1 : (int) cdStart).putShort((short) 0);
        end.flip();
        while (end.hasRemaining()) pos += ch.write(end, pos);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
