package io.weightbench.format;

import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.MappedFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a zip file's central directory (zip64 included) and gives each entry's bytes as a
 * {@link ByteSource}: stored entries as views of the memory-mapped file, deflated ones inflated to
 * a temporary file the first time they are read. Every offset is checked against the file.
 */
public final class ZipArchive {

    /** One entry of the central directory. */
    /** A central directory record; {@code crc32} as recorded there (not checked against the data). */
    public record Entry(String name, int method, long compressedSize, long size, long localHeaderOffset, long crc32) {}

    static final int MAX_ENTRIES = 1_000_000;

    private final Path path;
    private final MappedFile file;
    private final Map<String, Entry> entries;

    private ZipArchive(Path path, MappedFile file, Map<String, Entry> entries) {
        this.path = path;
        this.file = file;
        this.entries = entries;
    }

    public static boolean looksLikeZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K'
                && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
    }

    public static ZipArchive open(Path path, MappedFile file) throws IOException {
        long size = file.size();
        if (size < 22) throw new FormatException("zip file of " + size + " bytes is too short for a central directory");
        int tailLength = (int) Math.min(size, 22 + 65535);
        byte[] tail = new byte[tailLength];
        file.read(size - tailLength, tail, 0, tailLength);
        int eocd = -1;
        for (int i = tailLength - 22; i >= 0; i--) {
            if (tail[i] == 'P' && tail[i + 1] == 'K' && tail[i + 2] == 5 && tail[i + 3] == 6) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) throw new FormatException("zip archive has no end-of-central-directory record (truncated file?)");
        ByteBuffer e = ByteBuffer.wrap(tail, eocd, 22).order(ByteOrder.LITTLE_ENDIAN);
        long entryCount = e.getShort(eocd + 10) & 0xffff;
        long cdSize = e.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = e.getInt(eocd + 16) & 0xffffffffL;
        long eocdPos = size - tailLength + eocd;
        if (entryCount == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            // zip64: the locator sits just before the end record
            if (eocdPos < 20) throw new FormatException("zip64 archive without a zip64 locator");
            byte[] loc = new byte[20];
            file.read(eocdPos - 20, loc, 0, 20);
            ByteBuffer l = ByteBuffer.wrap(loc).order(ByteOrder.LITTLE_ENDIAN);
            if (l.getInt(0) != 0x07064b50) throw new FormatException("zip64 archive without a zip64 locator");
            long z64 = l.getLong(8);
            if (z64 < 0 || z64 + 56 > size) throw new FormatException("zip64 end record offset " + z64 + " lies outside the file");
            byte[] rec = new byte[56];
            file.read(z64, rec, 0, 56);
            ByteBuffer r = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
            if (r.getInt(0) != 0x06064b50) throw new FormatException("bad zip64 end-of-central-directory record");
            entryCount = r.getLong(32);
            cdSize = r.getLong(40);
            cdOffset = r.getLong(48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > size) {
            throw new FormatException("zip central directory [" + cdOffset + ", +" + cdSize + ") lies outside the file ("
                    + size + " bytes; truncated?)");
        }
        if (entryCount > MAX_ENTRIES) throw new FormatException("zip archive claims " + entryCount + " entries");
        if (cdSize > 512L * 1024 * 1024) throw new FormatException("zip central directory of " + cdSize + " bytes is too large");
        byte[] cd = new byte[(int) cdSize];
        file.read(cdOffset, cd, 0, cd.length);
        Map<String, Entry> entries = new LinkedHashMap<>((int) Math.min(entryCount * 2, 1 << 20));
        List<long[]> ends = new ArrayList<>();
        int p = 0;
        for (long i = 0; i < entryCount; i++) {
            if (p + 46 > cd.length || i32(cd, p) != 0x02014b50) {
                throw new FormatException("zip central directory is corrupt at entry " + i);
            }
            int method = u16(cd, p + 10);
            long crc32 = i32(cd, p + 16) & 0xffffffffL;
            long csize = i32(cd, p + 20) & 0xffffffffL;
            long usize = i32(cd, p + 24) & 0xffffffffL;
            int nameLen = u16(cd, p + 28);
            int extraLen = u16(cd, p + 30);
            int commentLen = u16(cd, p + 32);
            long local = i32(cd, p + 42) & 0xffffffffL;
            if (p + 46 + nameLen + extraLen + commentLen > cd.length) {
                throw new FormatException("zip central directory is corrupt at entry " + i);
            }
            String name = new String(cd, p + 46, nameLen, StandardCharsets.UTF_8);
            // zip64 extra field: the 0xffffffff fields, in order, as 8-byte values
            int x = p + 46 + nameLen;
            int xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = u16(cd, x);
                int len = u16(cd, x + 2);
                if (x + 4 + len > xEnd) throw new FormatException("zip entry " + name + " has an extra field running past its record");
                if (id == 0x0001) {
                    int q = x + 4;
                    if (usize == 0xffffffffL && q + 8 <= x + 4 + len) { usize = i64(cd, q); q += 8; }
                    if (csize == 0xffffffffL && q + 8 <= x + 4 + len) { csize = i64(cd, q); q += 8; }
                    if (local == 0xffffffffL && q + 8 <= x + 4 + len) { local = i64(cd, q); }
                }
                x += 4 + len;
            }
            if (local < 0 || csize < 0 || usize < 0 || local + 30 > size) {
                throw new FormatException("zip entry " + name + " has a local header offset outside the file");
            }
            if (entries.put(name, new Entry(name, method, csize, usize, local, crc32)) != null) {
                // Readers disagree on which of two same-named entries counts (torch 1.13's reader and
                // Python's zipfile take the last, others the first: scripts/make_attack_files.py):
                // what one runs, another would hide.
                throw new FormatException("zip archive has two entries named '" + shorten(name) + "' (refused: tools disagree on which one counts)");
            }
            ends.add(new long[] {local, local + 30 + nameLen + csize});
            p += 46 + nameLen + extraLen + commentLen;
        }
        checkNoOverlap(entries, ends, cdOffset);
        return new ZipArchive(path, file, Collections.unmodifiableMap(entries));
    }

    /**
     * Entries may not share bytes, nor run into the central directory: a zip whose entries overlap
     * (one compressed stream named many times) is a bomb, or hides one entry's content in another.
     * Each entry's extent is counted from its central record (name and data; the local extra field
     * may add to it), so a well-formed archive never trips this.
     */
    private static void checkNoOverlap(Map<String, Entry> entries, List<long[]> extents, long cdOffset) throws FormatException {
        extents.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 0; i < extents.size(); i++) {
            long[] e = extents.get(i);
            long limit = i + 1 < extents.size() ? extents.get(i + 1)[0] : cdOffset;
            if (e[1] > limit) {
                String a = nameAt(entries, e[0]);
                throw new FormatException("zip entries overlap: '" + shorten(a) + "' runs into the next record at offset " + limit
                        + " (refused: overlapping entries are a zip bomb or hide content)");
            }
        }
    }

    private static String nameAt(Map<String, Entry> entries, long local) {
        for (Entry e : entries.values()) if (e.localHeaderOffset() == local) return e.name();
        return "?";
    }

    private static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    /** Little-endian fields of the central directory, read straight from its bytes (cheap before the JIT has compiled anything). */
    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    private static int i32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | b[i + 3] << 24;
    }

    private static long i64(byte[] b, int i) {
        return (i32(b, i) & 0xffffffffL) | (long) i32(b, i + 4) << 32;
    }

    public Path path() { return path; }

    public Map<String, Entry> entries() { return entries; }

    public List<String> names() { return new ArrayList<>(entries.keySet()); }

    /**
     * The bytes of an entry: a view of the file for stored entries, inflated for deflated ones. The
     * entry's local header (which gives where its data starts) is read on first access, so opening
     * an archive touches none of its storage records.
     */
    public ByteSource bytes(Entry e) throws IOException {
        if (e.method() == 0) {
            if (e.size() != e.compressedSize()) throw new FormatException("stored zip entry " + e.name() + " has two different sizes");
            if (e.localHeaderOffset() + 30 + e.size() > file.size()) {
                throw new FormatException("zip entry " + e.name() + " (" + e.size() + " bytes) runs past the end of the file ("
                        + file.size() + " bytes; truncated?)");
            }
            return new StoredEntry(e);
        }
        if (e.method() == 8) return new InflatedEntry(e, this);
        throw new FormatException("zip entry " + e.name() + " uses compression method " + e.method() + " (only stored and deflated are read)");
    }

    /** Where an entry's data starts, from its local header; checked against the file. */
    public long dataStart(Entry e) throws IOException {
        byte[] local = new byte[30];
        file.readDirect(e.localHeaderOffset(), local, 0, 30);
        ByteBuffer l = ByteBuffer.wrap(local).order(ByteOrder.LITTLE_ENDIAN);
        if (l.getInt(0) != 0x04034b50) throw new FormatException("zip entry " + e.name() + " has no local header at its offset");
        long start = e.localHeaderOffset() + 30 + (l.getShort(26) & 0xffff) + (l.getShort(28) & 0xffff);
        if (start + e.compressedSize() > file.size()) {
            throw new FormatException("zip entry " + e.name() + " (" + e.compressedSize() + " bytes at offset " + start
                    + ") runs past the end of the file (" + file.size() + " bytes; truncated?)");
        }
        return start;
    }

    /** A stored entry: a view of the memory-mapped file, located on first read. */
    private final class StoredEntry implements ByteSource {
        private final Entry entry;
        private long start = -1;

        StoredEntry(Entry entry) { this.entry = entry; }

        @Override public long size() { return entry.size(); }

        @Override public void read(long position, byte[] dst, int off, int len) throws IOException {
            if (position < 0 || len < 0 || position + len > entry.size()) {
                throw new IOException("read of " + len + " bytes at " + position + " lies outside zip entry " + entry.name());
            }
            if (start < 0) start = dataStart(entry);
            file.read(start + position, dst, off, len);
        }

        @Override public void readInto(long position, ByteBuffer dst) throws IOException {
            if (position < 0 || position + dst.remaining() > entry.size()) {
                throw new IOException("read of " + dst.remaining() + " bytes at " + position + " lies outside zip entry " + entry.name());
            }
            if (start < 0) start = dataStart(entry);
            file.readInto(start + position, dst);
        }

        @Override public boolean kernelCopies() { return file.kernelCopies(); }

        @Override public java.util.OptionalLong crc32() { return java.util.OptionalLong.of(entry.crc32()); }

        @Override public java.util.OptionalLong fileOffset() throws IOException {
            if (start < 0) start = dataStart(entry);
            return java.util.OptionalLong.of(start);
        }

        @Override public void transferTo(long position, long count, java.nio.channels.FileChannel target) throws IOException {
            if (position < 0 || count < 0 || position + count > entry.size()) {
                throw new IOException("copy of " + count + " bytes at " + position + " lies outside zip entry " + entry.name());
            }
            if (start < 0) start = dataStart(entry);
            file.transferTo(start + position, count, target);
        }
    }

    /** Reads a small entry whole (pickles, version records); refuses large ones. */
    public byte[] readSmall(Entry e, long limit) throws IOException {
        if (e.size() > limit) throw new FormatException("zip entry " + e.name() + " is " + e.size() + " bytes, over the limit of " + limit);
        ByteSource s = bytes(e);
        byte[] out = new byte[(int) s.size()];
        s.read(0, out, 0, out.length);
        return out;
    }

    /**
     * A deflated entry. Small ones inflate into memory; larger ones into a temporary file that is
     * then memory-mapped, so random access (strided tensors) stays cheap and the heap stays small.
     */
    private static final class InflatedEntry implements ByteSource {
        private static final long IN_MEMORY = 8L * 1024 * 1024;
        private final Entry entry;
        private ByteSource inflated;

        private final ZipArchive zip;

        InflatedEntry(Entry entry, ZipArchive zip) {
            this.entry = entry;
            this.zip = zip;
        }

        @Override public long size() { return entry.size(); }

        @Override public synchronized void read(long position, byte[] dst, int off, int len) throws IOException {
            if (inflated == null) inflated = inflate();
            inflated.read(position, dst, off, len);
        }

        private ByteSource inflate() throws IOException {
            ByteSource compressed = zip.file.slice(zip.dataStart(entry), entry.compressedSize());
            if (entry.size() <= IN_MEMORY) {
                ByteArrayOutputStream out = new ByteArrayOutputStream((int) entry.size());
                inflateTo(out, compressed);
                return ByteSource.of(out.toByteArray());
            }
            Path tmp = Files.createTempFile("weightbench-inflated-", ".bin");
            tmp.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(tmp)) {
                inflateTo(out, compressed);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            MappedFile mapped = new MappedFile(tmp);
            try {
                // open, the file needs no name: unlinked now, a killed process leaves nothing behind
                Files.delete(tmp);
            } catch (IOException e) {
                // where an open file cannot be deleted (Windows), deleteOnExit does it
            }
            return mapped;
        }

        private void inflateTo(OutputStream out, ByteSource compressed) throws IOException {
            Inflater inf = new Inflater(true);
            try {
                byte[] in = new byte[64 * 1024];
                byte[] buf = new byte[64 * 1024];
                long pos = 0;
                long written = 0;
                while (!inf.finished()) {
                    if (inf.needsInput()) {
                        if (pos >= compressed.size()) break;
                        int n = (int) Math.min(in.length, compressed.size() - pos);
                        compressed.read(pos, in, 0, n);
                        pos += n;
                        inf.setInput(in, 0, n);
                    }
                    int n = inf.inflate(buf);
                    if (n == 0 && inf.needsDictionary()) throw new FormatException("zip entry " + entry.name() + " needs a preset dictionary");
                    written += n;
                    if (written > entry.size()) throw new FormatException("zip entry " + entry.name() + " inflates to more than its declared " + entry.size() + " bytes");
                    out.write(buf, 0, n);
                }
                if (written != entry.size()) {
                    throw new FormatException("zip entry " + entry.name() + " inflates to " + written + " bytes, not the declared " + entry.size());
                }
            } catch (DataFormatException ex) {
                throw new FormatException("zip entry " + entry.name() + " is not valid deflate data: " + ex.getMessage());
            } finally {
                inf.end();
            }
        }
    }
}
