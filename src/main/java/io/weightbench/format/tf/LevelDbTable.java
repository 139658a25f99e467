package io.weightbench.format.tf;

import io.airlift.compress.snappy.SnappyDecompressor;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a leveldb-format table (a TensorFlow checkpoint's {@code .index} file) into its entries,
 * in key order. The footer names the index block, whose values name the data blocks; each block
 * ends in a type byte (0 stored, 1 Snappy) and the masked CRC-32C of its bytes and type, checked
 * here. Keys inside a block are prefix-compressed against the previous key, with restart points
 * where the prefix starts afresh. Every length, offset and count is checked against the file, and
 * the bytes all blocks and entries take in memory are bounded, before anything is allocated.
 */
final class LevelDbTable {

    /** The footer: two block handles padded to 40 bytes, then the magic number. */
    static final int FOOTER = 48;
    static final long MAGIC = 0xdb4775248b80fb57L;
    /** Bytes of uncompressed blocks and of decoded keys and values: far beyond any real checkpoint's index. */
    static final long MAX_BYTES = 256L << 20;
    /** A key longer than this is no tensor name (TensorFlow's are variable paths). */
    static final int MAX_KEY = 1 << 20;
    private static final int TRAILER = 5;

    record Entry(byte[] key, byte[] value) {}

    private final ByteSource file;
    private final String what;
    private long budget = MAX_BYTES;

    private LevelDbTable(ByteSource file, String what) {
        this.file = file;
        this.what = what;
    }

    /** Whether the file ends with the table magic number (cheap: reads 8 bytes). */
    static boolean hasMagic(ByteSource file) throws IOException {
        if (file.size() < FOOTER) return false;
        byte[] b = new byte[8];
        file.read(file.size() - 8, b, 0, 8);
        return Bytes.longLE(b, 0) == MAGIC;
    }

    /** Every entry of the table in {@code file}; {@code what} names it in messages ("the index"). */
    static List<Entry> read(ByteSource file, String what) throws IOException {
        return new LevelDbTable(file, what).entries();
    }

    private List<Entry> entries() throws IOException {
        if (!hasMagic(file)) throw new FormatException(what + " does not end with the table magic number (not a TensorFlow checkpoint index)");
        byte[] footer = new byte[FOOTER];
        file.read(file.size() - FOOTER, footer, 0, FOOTER);
        Cursor f = new Cursor(footer, 0, 40, "the footer");
        f.handle(); // the metaindex block: TensorFlow's tables carry no filters or statistics worth reading
        long[] index = f.handle();
        byte[] indexBlock = block(index[0], index[1], "the index block");
        List<Entry> handles = entriesOf(indexBlock, "the index block");
        List<Entry> out = new ArrayList<>();
        byte[] previous = null;
        for (int i = 0; i < handles.size(); i++) {
            Cursor h = new Cursor(handles.get(i).value(), 0, handles.get(i).value().length, "index entry " + i);
            long[] handle = h.handle();
            String name = "data block " + i + " (at offset " + handle[0] + ")";
            for (Entry e : entriesOf(block(handle[0], handle[1], name), name)) {
                if (previous != null && Arrays.compareUnsigned(previous, e.key()) >= 0) {
                    throw new FormatException(what + " has keys out of order or repeated in " + name + " (a corrupt table)");
                }
                previous = e.key();
                out.add(e);
            }
        }
        return out;
    }

    /** A block's contents, its checksum checked and Snappy undone. */
    private byte[] block(long offset, long size, String name) throws IOException {
        long end = offset + size + TRAILER;
        if (offset < 0 || size < 0 || end < 0 || end > file.size() - FOOTER) {
            throw new FormatException(what + ": " + name + " of " + size + " bytes at offset " + offset
                    + " lies outside the table (" + file.size() + " bytes)");
        }
        spend(size, name);
        byte[] stored = new byte[(int) size + TRAILER];
        file.read(offset, stored, 0, stored.length);
        int type = stored[(int) size] & 0xff;
        int crc = Bytes.intLE(stored, (int) size + 1);
        if (MaskedCrc.mask(MaskedCrc.of(stored, 0, (int) size + 1)) != crc) {
            throw new FormatException(what + ": " + name + " fails its checksum (the file is corrupt)");
        }
        if (type == 0) return Arrays.copyOf(stored, (int) size);
        if (type != 1) throw new FormatException(what + ": " + name + " has compression type " + type + " (only none and Snappy exist)");
        return inflate(stored, (int) size, name);
    }

    private byte[] inflate(byte[] compressed, int size, String name) throws FormatException {
        Cursor c = new Cursor(compressed, 0, size, name);
        long length = c.varint();
        if (length > Integer.MAX_VALUE - 16) throw new FormatException(what + ": " + name + " claims " + length + " bytes uncompressed");
        spend(length, name);
        byte[] out = new byte[(int) length];
        int n;
        try {
            n = new SnappyDecompressor().decompress(compressed, 0, size, out, 0, out.length);
        } catch (RuntimeException e) {
            throw new FormatException(what + ": " + name + " is not valid Snappy data (" + e.getMessage() + ")");
        }
        if (n != length) throw new FormatException(what + ": " + name + " inflates to " + n + " bytes, not the " + length + " it declares");
        return out;
    }

    /** The entries of one block: prefix-compressed keys, then the restart array and its length. */
    private List<Entry> entriesOf(byte[] block, String name) throws FormatException {
        if (block.length < 4) throw new FormatException(what + ": " + name + " is too short (" + block.length + " bytes) to be a block");
        long restarts = Integer.toUnsignedLong(Bytes.intLE(block, block.length - 4));
        if (restarts == 0 || restarts > (block.length - 4) / 4) {
            throw new FormatException(what + ": " + name + " claims " + restarts + " restart points, which do not fit in its " + block.length + " bytes");
        }
        int limit = (int) (block.length - 4 - 4 * restarts);
        long[] restartAt = new long[(int) restarts];
        for (int r = 0; r < restarts; r++) {
            restartAt[r] = Integer.toUnsignedLong(Bytes.intLE(block, limit + 4 * r));
            if ((restartAt[r] > 0 && restartAt[r] >= limit) || (r > 0 && restartAt[r] <= restartAt[r - 1])) {
                throw new FormatException(what + ": " + name + " has a restart point at " + restartAt[r]
                        + " out of order or past its entries (" + limit + " bytes)");
            }
        }
        List<Entry> out = new ArrayList<>();
        Cursor c = new Cursor(block, 0, limit, name);
        byte[] key = new byte[0];
        int nextRestart = 0;
        while (c.remaining() > 0) {
            // A reader that seeks (TensorFlow does) starts at restart points: there the key must be whole.
            boolean restart = nextRestart < restartAt.length && restartAt[nextRestart] == c.position();
            if (restart) nextRestart++;
            if (nextRestart < restartAt.length && restartAt[nextRestart] < c.position()) {
                throw new FormatException(what + ": " + name + " has a restart point at " + restartAt[nextRestart] + " that is not the start of an entry");
            }
            long shared = c.varint();
            long unshared = c.varint();
            long valueLength = c.varint();
            if (restart && shared != 0) {
                throw new FormatException(what + ": " + name + " has an entry at a restart point that shares its key's prefix");
            }
            if (shared > key.length) {
                throw new FormatException(what + ": " + name + " has an entry sharing " + shared + " bytes with a previous key of " + key.length);
            }
            if (shared + unshared > MAX_KEY) throw new FormatException(what + ": " + name + " has a key of " + (shared + unshared) + " bytes");
            if (unshared > c.remaining() || valueLength > c.remaining() - unshared) {
                throw new FormatException(what + ": " + name + " has an entry that runs past the end of the block");
            }
            spend(shared + unshared + valueLength + 32, name);
            byte[] next = Arrays.copyOf(key, (int) (shared + unshared));
            c.copy(next, (int) shared, (int) unshared);
            byte[] value = new byte[(int) valueLength];
            c.copy(value, 0, value.length);
            out.add(new Entry(next, value));
            key = next;
        }
        if (limit > 0 && nextRestart < restartAt.length) {
            throw new FormatException(what + ": " + name + " has a restart point at " + restartAt[nextRestart] + " that is not the start of an entry");
        }
        if (limit > 0 && restartAt[0] != 0) {
            throw new FormatException(what + ": " + name + " does not start with a restart point");
        }
        return out;
    }

    private void spend(long bytes, String name) throws FormatException {
        budget -= bytes;
        if (budget < 0) {
            throw new FormatException(what + " decodes to more than " + (MAX_BYTES >> 20) + " MiB at " + name
                    + " (more than any checkpoint's index holds; a corrupt or hostile file)");
        }
    }

    /** Reads varints and bytes from a region of an array, refusing to run past its end. */
    private final class Cursor {
        private final byte[] b;
        private int pos;
        private final int end;
        private final String name;

        Cursor(byte[] b, int pos, int end, String name) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.name = name;
        }

        int remaining() { return end - pos; }

        int position() { return pos; }

        long varint() throws FormatException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new FormatException(what + ": " + name + " ends inside a number");
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if (x < 0x80) {
                    if (v < 0) throw new FormatException(what + ": " + name + " holds a number over 2^63");
                    return v;
                }
            }
            throw new FormatException(what + ": " + name + " holds a number longer than ten bytes");
        }

        long[] handle() throws FormatException {
            return new long[] {varint(), varint()};
        }

        void copy(byte[] dst, int off, int len) {
            System.arraycopy(b, pos, dst, off, len);
            pos += len;
        }
    }
}
