package io.weightbench.format.tf;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * A tensor's bytes in a data shard, checked against the masked CRC-32C its index entry records the
 * first time any of them is read (never at open: listing a checkpoint must not read its data). A
 * first read that covers the whole run is checked on the bytes it reads; any other first read
 * checks the whole run in chunks before returning, so no unchecked byte ever reaches the caller.
 * A mismatch fails that read and every later one, naming the tensor.
 */
final class CrcCheckedSource implements ByteSource {

    private static final int CHUNK = 1 << 20;

    private final ByteSource bytes;
    private final int maskedCrc;
    private final String key;
    private volatile boolean checked;
    private volatile String failure;

    CrcCheckedSource(ByteSource bytes, int maskedCrc, String key) {
        this.bytes = bytes;
        this.maskedCrc = maskedCrc;
        this.key = key;
    }

    @Override
    public long size() { return bytes.size(); }

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
        if (!checked && position == 0 && len == bytes.size()) {
            bytes.read(position, dst, off, len);
            CRC32C c = new CRC32C();
            c.update(dst, off, len);
            settle((int) c.getValue());
            return;
        }
        ensureChecked();
        bytes.read(position, dst, off, len);
    }

    @Override
    public void readInto(long position, ByteBuffer dst) throws IOException {
        ensureChecked();
        bytes.readInto(position, dst);
    }

    @Override
    public void transferTo(long position, long count, FileChannel target) throws IOException {
        ensureChecked();
        bytes.transferTo(position, count, target);
    }

    @Override
    public boolean kernelCopies() { return bytes.kernelCopies(); }

    @Override
    public OptionalLong fileOffset() throws IOException { return bytes.fileOffset(); }

    private void ensureChecked() throws IOException {
        if (checked) return;
        synchronized (this) {
            if (checked) return;
            if (failure != null) throw new FormatException(failure);
            CRC32C c = new CRC32C();
            byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(1, bytes.size()))];
            for (long p = 0; p < bytes.size(); p += buf.length) {
                int n = (int) Math.min(buf.length, bytes.size() - p);
                bytes.read(p, buf, 0, n);
                c.update(buf, 0, n);
            }
            settle((int) c.getValue());
        }
    }

    private synchronized void settle(int crc) throws FormatException {
        if (MaskedCrc.mask(crc) == maskedCrc) {
            checked = true;
            return;
        }
        failure = "tensor '" + key + "' fails its checksum: its " + bytes.size() + " bytes have CRC-32C "
                + MaskedCrc.hex(crc) + " but the index records " + MaskedCrc.hex(MaskedCrc.unmask(maskedCrc))
                + " (the data file is corrupt or belongs to another checkpoint)";
        throw new FormatException(failure);
    }
}
