package io.weightbench.format.hdf5;

import io.jhdf.api.dataset.ChunkedDataset;
import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Our own reader of the HDF5 metadata a listing needs, used before jhdf for every file. jhdf is
 * correct but slow to list a large Keras file in a new process: for a 4 GiB Keras 2 {@code .h5}
 * (1,557 datasets) it parsed ~22,000 header structures, mostly in interpreted code (259 ms warm).
 * This reader reads each object header once, in one read per header block, and keeps only what a
 * listing uses: the superblock (versions 0-3), object headers (versions 1 and 2, with continuation
 * blocks and checksums), groups (symbol tables: v1 B-tree, local heap and symbol nodes; compact
 * link messages), dataspace, datatype, data layout (contiguous, chunked, compact), filter pipeline,
 * fill value, and attributes (fixed and variable-length strings from the global heap).
 *
 * <p>The whole file's group tree is read at open. Anything it does not understand, or finds
 * malformed (dense link or attribute storage in fractal heaps, shared messages, a superblock
 * extension, a datatype it does not map, a bad checksum, a structure running past the end, a read
 * budget exhausted by a loop), makes {@link #read} answer empty: the file is then listed by jhdf,
 * the reference, which reports malformed files in its established words. So this is an
 * optimisation that can be slower, never different; {@code Hdf5MetadataTest} checks that both list
 * every corpus file alike. Data is not read here: a contiguous dataset is a view of the file, a
 * compact one is in its header, and a chunked one is read through jhdf when first needed.
 */
final class Hdf5Metadata {

    /** Why a file is left to jhdf (never shown: jhdf then says what is wrong, if anything). */
    static final class NotUnderstood extends Exception {
        NotUnderstood(String why) {
            super(why, null, false, false);
        }
    }

    /** Object headers and symbol table nodes are read in one go; none this reader accepts is larger. */
    private static final int MAX_BLOCK = 16 << 20;
    /** Continuation blocks of one object header. */
    private static final int MAX_CONTINUATIONS = 4096;
    private static final int MAX_BTREE_DEPTH = 64;
    /** Compound, enum and variable-length types within each other: h5py's deepest are a few levels. */
    private static final int MAX_TYPE_DEPTH = 16;

    private final Hdf5File file;
    private final ByteSource source;
    private final long size;
    private final long base;
    private int offsets;
    private int lengths;
    private long bytesRead;
    private long reads;
    private final long maxBytes;
    private final long maxReads;
    private final Map<Long, Hdf5Node> objects = new HashMap<>();
    private final Map<Long, byte[]> globalHeaps = new HashMap<>();
    private final Map<Long, byte[]> pages = new HashMap<>();
    /** Structures up to a page are read through {@link #page}; at most this many pages are kept. */
    private static final int PAGE = 4096;
    private static final int MAX_PAGES = 4096;
    /** The page last asked for: most structures lie in the page of the one read before (no map lookup, no boxing). */
    private long lastIndex = -1;
    private byte[] lastPage;

    private Hdf5Metadata(Hdf5File file, ByteSource source, long base) {
        this.file = file;
        this.source = source;
        this.size = source.size();
        this.base = base;
        this.maxBytes = BoundedStorage.BUDGET_BASE + BoundedStorage.BUDGET_FACTOR * size;
        this.maxReads = BoundedStorage.MAX_READ_CALLS_BASE + size / 8;
    }

    /**
     * The root group with every group and dataset below it read, or empty when the file should be
     * listed by jhdf instead. {@code at} is where the signature is.
     */
    static Optional<Hdf5Node.Group> read(Hdf5File file, ByteSource source, int at) {
        Hdf5Metadata m = new Hdf5Metadata(file, source, at);
        try {
            return Optional.of(m.root());
        } catch (NotUnderstood | IOException | RuntimeException e) {
            // Left to jhdf, the reference: it lists what this reader does not know and reports what is malformed.
            return Optional.empty();
        }
    }

    // ---- bytes ----

    /**
     * A bounds-checked little-endian cursor over bytes read from the file: {@code b[begin..end)},
     * often a stretch of a cached page (not a copy of it).
     */
    private final class Cursor {
        final byte[] b;
        final int begin;
        int pos;
        final int end;

        Cursor(byte[] b, int pos, int end) {
            this.b = b;
            this.begin = pos;
            this.pos = pos;
            this.end = end;
        }

        void need(long n) throws NotUnderstood {
            if (n < 0 || n > end - pos) throw new NotUnderstood("structure runs past its block");
        }

        int u8() throws NotUnderstood {
            need(1);
            return b[pos++] & 0xff;
        }

        int u16() throws NotUnderstood {
            return (int) unsigned(2);
        }

        long u32() throws NotUnderstood {
            return unsigned(4);
        }

        long unsigned(int n) throws NotUnderstood {
            need(n);
            long v = 0;
            for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[pos + i] & 0xff);
            pos += n;
            return v;
        }

        /** An address: -1 when undefined (all bits set). */
        long offset() throws NotUnderstood {
            long v = unsigned(offsets);
            long undefined = offsets == 8 ? -1L : (1L << (8 * offsets)) - 1;
            if (v == undefined) return -1;
            if (v < 0) throw new NotUnderstood("address beyond 2^63");
            return v;
        }

        long length() throws NotUnderstood {
            long v = unsigned(lengths);
            if (v < 0) throw new NotUnderstood("length beyond 2^63");
            return v;
        }

        void skip(long n) throws NotUnderstood {
            need(n);
            pos += (int) n;
        }

        byte[] bytes(long n) throws NotUnderstood {
            need(n);
            byte[] out = new byte[(int) n];
            System.arraycopy(b, pos, out, 0, (int) n);
            pos += (int) n;
            return out;
        }

        /** A null-terminated string of at most the rest of the block (the terminator consumed). */
        String cstring() throws NotUnderstood {
            int start = pos;
            while (pos < end && b[pos] != 0) pos++;
            if (pos >= end) throw new NotUnderstood("unterminated name");
            String s = new String(b, start, pos - start, StandardCharsets.UTF_8);
            pos++;
            return s;
        }

        boolean signature(String sig) throws NotUnderstood {
            need(4);
            for (int i = 0; i < 4; i++) if (b[pos + i] != sig.charAt(i)) return false;
            pos += 4;
            return true;
        }

        Cursor sub(long n) throws NotUnderstood {
            need(n);
            Cursor c = new Cursor(b, pos, pos + (int) n);
            pos += (int) n;
            return c;
        }
    }

    /**
     * {@code length} bytes at {@code address} (relative to the base address), within the file and
     * the read budget: a cursor over the cached page when they lie in one page (most structures),
     * else over a copy.
     */
    private Cursor at(long address, long length) throws NotUnderstood, IOException {
        if (address < 0 || length < 0 || length > MAX_BLOCK) throw new NotUnderstood("bad address or length");
        long start = base + address;
        if (start < 0 || start > size || length > size - start) throw new NotUnderstood("structure past the end of the file");
        bytesRead += length;
        if (bytesRead > maxBytes || ++reads > maxReads) throw new NotUnderstood("read budget exhausted");
        if (length <= PAGE) {
            byte[] page = page(start / PAGE);
            int in = (int) (start % PAGE);
            if (in + length <= page.length) return new Cursor(page, in, in + (int) length);
        }
        byte[] b = new byte[(int) length];
        if (length > PAGE) {
            read(start, b);
        } else {
            for (int done = 0; done < length; ) {
                long at = start + done;
                byte[] page = page(at / PAGE);
                int in = (int) (at % PAGE);
                int n = (int) Math.min(length - done, page.length - in);
                if (n <= 0) throw new NotUnderstood("structure past the end of the file");
                System.arraycopy(page, in, b, done, n);
                done += n;
            }
        }
        return new Cursor(b, 0, b.length);
    }

    /**
     * Positional reads where the file is mapped: headers sit between gigabytes of data, and a page
     * fault per header (mapping its neighbourhood) costs several times a read (17 ms against 5 ms
     * for the 1,093 pages of a 4 GiB Keras file).
     */
    private void read(long start, byte[] b) throws IOException {
        if (source instanceof MappedFile m) m.readDirect(start, b, 0, b.length);
        else source.read(start, b, 0, b.length);
    }

    /**
     * One page of the file, read once: HDF5 writers put a group's header, B-tree node, local heap
     * and symbol node close together, and small headers side by side, so most structures share
     * pages with others (one read per page instead of one or two per structure).
     */
    private byte[] page(long index) throws NotUnderstood, IOException {
        if (index == lastIndex) return lastPage;
        byte[] p = pages.get(index);
        if (p == null) p = readPage(index);
        lastIndex = index;
        lastPage = p;
        return p;
    }

    private byte[] readPage(long index) throws NotUnderstood, IOException {
        if (pages.size() >= MAX_PAGES) pages.clear();
        long start = index * PAGE;
        byte[] p = new byte[(int) Math.min(PAGE, size - start)];
        bytesRead += p.length;
        if (bytesRead > maxBytes) throw new NotUnderstood("read budget exhausted");
        read(start, p);
        pages.put(index, p);
        return p;
    }

    /** As much as is there, up to {@code length} bytes (for structures whose size is only known once read). */
    private Cursor upTo(long address, long length) throws NotUnderstood, IOException {
        long start = base + address;
        if (address < 0 || start < 0 || start >= size) throw new NotUnderstood("structure past the end of the file");
        return at(address, Math.min(length, size - start));
    }

    // ---- superblock and groups ----

    private Hdf5Node.Group root() throws NotUnderstood, IOException {
        int len = (int) Math.min(size, base + 256);
        byte[] head = new byte[len];
        source.read(0, head, 0, len);
        Cursor c = new Cursor(head, (int) base, len);
        c.skip(8);
        int version = c.u8();
        long rootHeader;
        int sbStart = (int) base;
        if (version == 0 || version == 1) {
            c.skip(4);
            offsets = c.b[c.pos];
            lengths = c.b[c.pos + 1];
            checkSizes();
            c.skip(2 + 1 + 2 + 2 + 4);
            if (version == 1) c.skip(4);
            long baseAddress = c.offset();
            if (baseAddress != base) throw new NotUnderstood("base address");
            c.offset(); // free space
            c.offset(); // end of file
            if (c.offset() != -1) throw new NotUnderstood("driver information block");
            c.offset(); // root link name offset
            rootHeader = c.offset();
        } else if (version == 2 || version == 3) {
            offsets = c.u8();
            lengths = c.u8();
            checkSizes();
            c.skip(1);
            if (c.offset() != base) throw new NotUnderstood("base address");
            if (c.offset() != -1) throw new NotUnderstood("superblock extension");
            c.offset(); // end of file
            rootHeader = c.offset();
            int checked = c.pos - sbStart;
            long sum = c.u32();
            if (lookup3(c.b, sbStart, checked) != (int) sum) throw new NotUnderstood("superblock checksum");
        } else {
            throw new NotUnderstood("superblock version " + version);
        }
        Hdf5Node n = object(rootHeader, null, 0);
        if (!(n instanceof Group g)) throw new NotUnderstood("root is not a group");
        return g;
    }

    private void checkSizes() throws NotUnderstood {
        if (offsets < 1 || offsets > 8 || lengths < 1 || lengths > 8) throw new NotUnderstood("sizes of offsets and lengths");
    }

    /**
     * Where an object was first reached: its parent's place and its name; null for the root. The
     * path is joined only when asked for (a chunked dataset's data read), not for every object listed.
     */
    private record Where(Where parent, String name) {
        @Override
        public String toString() {
            return parent == null ? name : parent + "/" + name;
        }
    }

    /** The object whose header is at {@code address}, read once (a second path to it gets the same object). */
    private Hdf5Node object(long address, Where path, int depth) throws NotUnderstood, IOException {
        Hdf5Node known = objects.get(address);
        if (known != null) return known;
        if (depth > Hdf5Tree.MAX_DEPTH) throw new NotUnderstood("groups nest too deeply");
        if (objects.size() >= Hdf5Tree.MAX_OBJECTS) throw new NotUnderstood("too many objects");
        Header h = header(address);
        if (h.layout != null) {
            Dataset d = new Dataset(address, path, h);
            objects.put(address, d);
            return d;
        }
        if (h.group) {
            Group g = new Group(address, h.attributes);
            objects.put(address, g);
            Map<String, Long> hard = new LinkedHashMap<>();
            if (h.symbolTable != null) symbolTable(h.symbolTable[0], h.symbolTable[1], g.children, hard);
            for (Link l : h.links) {
                if (!plainName(l.name)) throw new NotUnderstood("link name jhdf would read as a path");
                if (l.address >= 0) hard.put(l.name, l.address);
                else g.children.put(l.name, new Hdf5Node.Link());
            }
            for (Map.Entry<String, Long> e : hard.entrySet()) {
                g.children.put(e.getKey(), object(e.getValue(), new Where(path, e.getKey()), depth + 1));
            }
            return g;
        }
        if (h.datatype != null) {
            Hdf5Node o = new Hdf5Node.Other(address);
            objects.put(address, o);
            return o;
        }
        throw new NotUnderstood("object of unknown kind");
    }

    /**
     * A name a path can be made of: chunked data is found again in jhdf by its path, which must
     * lead to the same dataset.
     */
    private static boolean plainName(String name) {
        return !name.isEmpty() && !name.equals(".") && name.indexOf('/') < 0;
    }

    /** An old-style group's links: its v1 B-tree of symbol table nodes, names in its local heap. */
    private void symbolTable(long btree, long heap, Map<String, Hdf5Node> links, Map<String, Long> hard)
            throws NotUnderstood, IOException {
        Cursor h = at(heap, 8 + 2L * lengths + offsets);
        if (!h.signature("HEAP") || h.u8() != 0) throw new NotUnderstood("local heap");
        h.skip(3);
        long dataSize = h.length();
        h.length(); // free list
        long dataAddress = h.offset();
        Cursor names = at(dataAddress, dataSize);
        Set<Long> visited = new HashSet<>();
        btreeNode(btree, names, 0, visited, links, hard);
    }

    private void btreeNode(long address, Cursor names, int depth, Set<Long> visited, Map<String, Hdf5Node> links, Map<String, Long> hard)
            throws NotUnderstood, IOException {
        if (depth > MAX_BTREE_DEPTH || !visited.add(address)) throw new NotUnderstood("B-tree loop");
        Cursor c = at(address, 8 + 2L * offsets);
        if (!c.signature("TREE") || c.u8() != 0) throw new NotUnderstood("group B-tree node");
        int level = c.u8();
        int entries = c.u16();
        Cursor body = at(address + 8 + 2L * offsets, (long) entries * (offsets + lengths) + lengths);
        for (int i = 0; i < entries; i++) {
            body.length(); // key
            long child = body.offset();
            if (level > 0) btreeNode(child, names, depth + 1, visited, links, hard);
            else symbolNode(child, names, visited, links, hard);
        }
    }

    private void symbolNode(long address, Cursor names, Set<Long> visited, Map<String, Hdf5Node> links, Map<String, Long> hard)
            throws NotUnderstood, IOException {
        if (!visited.add(address)) throw new NotUnderstood("symbol node reached twice");
        Cursor c = at(address, 8);
        if (!c.signature("SNOD") || c.u8() != 1) throw new NotUnderstood("symbol table node");
        c.skip(1);
        int symbols = c.u16();
        Cursor e = at(address + 8, (long) symbols * (2L * offsets + 24));
        for (int i = 0; i < symbols; i++) {
            long nameOffset = e.offset();
            long header = e.offset();
            long cacheType = e.u32();
            e.skip(4 + 16);
            if (nameOffset < 0 || nameOffset >= names.end - names.begin) throw new NotUnderstood("link name outside the local heap");
            Cursor n = new Cursor(names.b, names.begin + (int) nameOffset, names.end);
            String name = n.cstring();
            if (!plainName(name)) throw new NotUnderstood("link name jhdf would read as a path");
            if (links.containsKey(name) || hard.containsKey(name)) throw new NotUnderstood("link named twice");
            if (cacheType == 2) links.put(name, new Hdf5Node.Link());
            else if (header < 0) throw new NotUnderstood("link without an object");
            else hard.put(name, header);
        }
    }

    // ---- object headers ----

    private record Link(String name, long address) {}

    /** What a listing uses of one object header. */
    private static final class Header {
        boolean group;
        long[] symbolTable;
        final List<Link> links = new ArrayList<>();
        Type datatype;
        boolean nullSpace;
        long[] dims;
        long count = -1;
        int[] layout; // {class}
        long dataAddress = -1;
        byte[] compact;
        byte[] fill;
        boolean newFill;
        final List<Integer> filters = new ArrayList<>();
        final Map<String, Attribute> attributes = new LinkedHashMap<>();
    }

    private Header header(long address) throws NotUnderstood, IOException {
        Header h = new Header();
        Cursor prefix = upTo(address, 512);
        List<long[]> blocks = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        if (prefix.signature("OHDR")) {
            if (prefix.u8() != 2) throw new NotUnderstood("object header version");
            int flags = prefix.u8();
            if ((flags & 0x20) != 0) prefix.skip(16);
            if ((flags & 0x10) != 0) prefix.skip(4);
            long chunk = prefix.unsigned(1 << (flags & 3));
            int start = prefix.pos - prefix.begin;
            Cursor whole = start + chunk + 4 <= prefix.end - prefix.begin
                    ? new Cursor(prefix.b, prefix.begin, (int) (prefix.begin + start + chunk + 4))
                    : at(address, start + chunk + 4);
            checksum(whole, whole.end - 4);
            whole.pos = whole.begin + start;
            messagesV2(whole.sub(chunk), flags, h, blocks);
            for (int i = 0; i < blocks.size(); i++) {
                long[] b = blocks.get(i);
                if (i >= MAX_CONTINUATIONS || !seen.add(b[0])) throw new NotUnderstood("continuation loop");
                Cursor c = at(b[0], b[1]);
                if (!c.signature("OCHK") || b[1] < 8) throw new NotUnderstood("continuation block");
                checksum(c, c.end - 4);
                messagesV2(c.sub(b[1] - 8), flags, h, blocks);
            }
        } else {
            prefix.pos = prefix.begin;
            if (prefix.u8() != 1) throw new NotUnderstood("object header version");
            prefix.skip(1 + 2 + 4);
            long headerSize = prefix.u32();
            messagesV1(16 + headerSize <= prefix.end - prefix.begin
                            ? new Cursor(prefix.b, prefix.begin + 16, (int) (prefix.begin + 16 + headerSize)) : at(address + 16, headerSize),
                    h, blocks);
            for (int i = 0; i < blocks.size(); i++) {
                long[] b = blocks.get(i);
                if (i >= MAX_CONTINUATIONS || !seen.add(b[0])) throw new NotUnderstood("continuation loop");
                messagesV1(at(b[0], b[1]), h, blocks);
            }
        }
        return h;
    }

    /** Checks the checksum stored at {@code checked} (an index into the cursor's array) over the block before it. */
    private void checksum(Cursor c, int checked) throws NotUnderstood {
        if (checked < c.begin) throw new NotUnderstood("block too short for its checksum");
        long stored = new Cursor(c.b, checked, checked + 4).u32();
        if (lookup3(c.b, c.begin, checked - c.begin) != (int) stored) throw new NotUnderstood("checksum");
    }

    private void messagesV1(Cursor c, Header h, List<long[]> blocks) throws NotUnderstood, IOException {
        while (c.end - c.pos >= 8) {
            int type = c.u16();
            int length = c.u16();
            int flags = c.u8();
            c.skip(3);
            message(type, flags, c.sub(length), h, blocks);
        }
    }

    private void messagesV2(Cursor c, int headerFlags, Header h, List<long[]> blocks) throws NotUnderstood, IOException {
        int prefix = (headerFlags & 0x04) != 0 ? 6 : 4;
        while (c.end - c.pos >= prefix) {
            int type = c.u8();
            int length = c.u16();
            int flags = c.u8();
            if (prefix == 6) c.skip(2);
            message(type, flags, c.sub(length), h, blocks);
        }
    }

    private void message(int type, int flags, Cursor m, Header h, List<long[]> blocks) throws NotUnderstood, IOException {
        if (type == 0) return;
        if ((flags & 0x02) != 0) throw new NotUnderstood("shared message");
        switch (type) {
            case 0x01 -> dataspace(m, h);
            case 0x02 -> {
                h.group = true;
                if (m.u8() != 0) throw new NotUnderstood("link info version");
                int f = m.u8();
                if ((f & 1) != 0) m.skip(8);
                if (m.offset() != -1) throw new NotUnderstood("dense link storage");
            }
            case 0x03 -> h.datatype = datatype(m);
            case 0x04 -> {
                if (!h.newFill) h.fill = m.bytes(m.u32());
            }
            case 0x05 -> fill(m, h);
            case 0x06 -> {
                h.group = true;
                h.links.add(link(m));
            }
            case 0x08 -> layout(m, h);
            case 0x0A -> h.group = true;
            case 0x0B -> filters(m, h);
            case 0x0C -> {
                Attribute a = attribute(m);
                if (h.attributes.put(a.name, a) != null) throw new NotUnderstood("attribute named twice");
            }
            case 0x10 -> blocks.add(new long[] {m.offset(), m.length()});
            case 0x11 -> {
                h.group = true;
                h.symbolTable = new long[] {m.offset(), m.offset()};
            }
            case 0x15 -> {
                if (m.u8() != 0) throw new NotUnderstood("attribute info version");
                int f = m.u8();
                if ((f & 1) != 0) m.skip(2);
                if (m.offset() != -1) throw new NotUnderstood("dense attribute storage");
            }
            default -> {
                // not needed for a listing (modification times, comments, B-tree 'K' values, ...)
            }
        }
    }

    private Link link(Cursor m) throws NotUnderstood {
        if (m.u8() != 1) throw new NotUnderstood("link message version");
        int f = m.u8();
        int type = (f & 0x08) != 0 ? m.u8() : 0;
        if ((f & 0x04) != 0) m.skip(8);
        if ((f & 0x10) != 0) m.skip(1);
        long nameLength = m.unsigned(1 << (f & 3));
        String name = new String(m.bytes(nameLength), StandardCharsets.UTF_8);
        return switch (type) {
            case 0 -> {
                long a = m.offset();
                if (a < 0) throw new NotUnderstood("hard link without an object");
                yield new Link(name, a);
            }
            case 1, 64 -> new Link(name, -1);
            default -> throw new NotUnderstood("user-defined link");
        };
    }

    private void dataspace(Cursor m, Header h) throws NotUnderstood {
        int version = m.u8();
        int rank = m.u8();
        int flags = m.u8();
        int type;
        if (version == 1) {
            m.skip(5);
            type = rank == 0 ? 0 : 1;
        } else if (version == 2) {
            type = m.u8();
        } else {
            throw new NotUnderstood("dataspace version");
        }
        long[] dims = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = m.length();
            count = dims[i] > 0 && count > Long.MAX_VALUE / dims[i] ? Long.MAX_VALUE : count * dims[i];
        }
        h.nullSpace = type == 2;
        h.dims = type == 1 ? dims : new long[0];
        h.count = type == 2 ? 0 : type == 0 ? 1 : count;
        if (type > 2) throw new NotUnderstood("dataspace type");
    }

    private void layout(Cursor m, Header h) throws NotUnderstood {
        int version = m.u8();
        int cls;
        if (version == 1 || version == 2) {
            int rank = m.u8();
            cls = m.u8();
            m.skip(5);
            if (cls != 0) h.dataAddress = m.offset();
            m.skip(4L * rank);
            if (cls == 0) h.compact = m.bytes(m.u32());
        } else if (version == 3 || version == 4) {
            cls = m.u8();
            if (cls == 0) h.compact = m.bytes(m.u16());
            else if (cls == 1) {
                h.dataAddress = m.offset();
                m.length();
            }
        } else {
            throw new NotUnderstood("layout version");
        }
        if (cls > 2) throw new NotUnderstood("layout class " + cls);
        h.layout = new int[] {cls};
    }

    private void fill(Cursor m, Header h) throws NotUnderstood {
        int version = m.u8();
        h.newFill = true;
        h.fill = null;
        if (version == 1 || version == 2) {
            m.skip(2);
            boolean defined = m.u8() == 1;
            if (version == 2 && defined) {
                long n = m.u32();
                if (n > 0) h.fill = m.bytes(n);
            }
        } else if (version == 3) {
            int flags = m.u8();
            if ((flags & 0x20) != 0) h.fill = m.bytes(m.u32());
        } else {
            throw new NotUnderstood("fill value version");
        }
    }

    private void filters(Cursor m, Header h) throws NotUnderstood {
        int version = m.u8();
        int n = m.u8();
        if (version == 1) m.skip(6);
        else if (version != 2) throw new NotUnderstood("filter pipeline version");
        for (int i = 0; i < n; i++) {
            int id = m.u16();
            int nameLength = version == 1 || id >= 256 ? m.u16() : 0;
            m.skip(2);
            int values = m.u16();
            m.skip(nameLength);
            m.skip(4L * values);
            if (version == 1 && values % 2 == 1) m.skip(4);
            h.filters.add(id);
        }
    }

    // ---- datatypes ----

    /**
     * A datatype as a listing needs it.
     *
     * @param cls the HDF5 class (0 integer, 1 float, 3 string, 5 opaque, 6 compound, 8 enum, 9 variable-length)
     * @param element the tensor element it is (for opaque: resolved with the dataset's dtype attribute later)
     */
    private record Type(int cls, int size, ElementType element, boolean spacePadded, boolean variableString) {}

    private Type datatype(Cursor m) throws NotUnderstood {
        return datatype(m, 0);
    }

    /** A datatype; {@code depth} counts the enclosing compound, enum and variable-length types. */
    private Type datatype(Cursor m, int depth) throws NotUnderstood {
        if (depth > MAX_TYPE_DEPTH) throw new NotUnderstood("datatypes nest too deeply");
        int classAndVersion = m.u8();
        int cls = classAndVersion & 0x0f;
        int version = classAndVersion >> 4;
        int bits = (int) m.unsigned(3);
        long sizeL = m.u32();
        if (sizeL <= 0 || sizeL > Integer.MAX_VALUE) throw new NotUnderstood("datatype size");
        int size = (int) sizeL;
        ByteOrder order = (bits & 1) == 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        switch (cls) {
            case 0 -> {
                int offset = m.u16();
                int precision = m.u16();
                return new Type(cls, size, ElementType.integer(size, offset, precision, (bits & 0x08) != 0, order), false, false);
            }
            case 1 -> {
                if ((bits & 0x40) != 0) throw new NotUnderstood("VAX float");
                int offset = m.u16();
                int precision = m.u16();
                m.skip(1);
                int exp = m.u8();
                m.skip(1);
                int mant = m.u8();
                m.skip(4);
                int sign = (bits >> 8) & 0xff;
                return new Type(cls, size, ElementType.floating(size, offset, precision, sign, exp, mant, order), false, false);
            }
            case 3 -> {
                return new Type(cls, size, new ElementType.Unsupported("strings"), (bits & 0x0f) == 2, false);
            }
            case 5 -> {
                m.skip(bits & 0xff);
                return new Type(cls, size, null, false, false);
            }
            case 6 -> {
                return compound(m, version, bits & 0xffff, size, depth);
            }
            case 8 -> {
                Type b = datatype(m, depth + 1);
                if (b.cls != 0) return new Type(cls, size, new ElementType.Unsupported("enums over non-integers"), false, false);
                int n = bits & 0xffff;
                List<String> names = new ArrayList<>();
                for (int i = 0; i < n; i++) names.add(memberName(m, version));
                Map<Integer, String> mapping = new HashMap<>();
                for (int i = 0; i < n; i++) {
                    long v = m.unsigned(b.size > 8 ? 8 : b.size);
                    if (b.size > 8) m.skip(b.size - 8);
                    mapping.put((int) v, names.get(i));
                }
                return new Type(cls, size, ElementType.enumeration(b.element, b.size, mapping), false, false);
            }
            case 9 -> {
                boolean string = (bits & 0x0f) == 1;
                datatype(m, depth + 1);
                return new Type(cls, size, new ElementType.Unsupported(string ? "strings" : "variable-length sequences"), false, string);
            }
            default -> throw new NotUnderstood("datatype class " + cls);
        }
    }

    private String memberName(Cursor m, int version) throws NotUnderstood {
        int start = m.pos;
        String name = m.cstring();
        if (version < 3) m.skip(((m.pos - start + 7) / 8) * 8 - (m.pos - start));
        return name;
    }

    private Type compound(Cursor m, int version, int n, int size, int depth) throws NotUnderstood {
        List<ElementType.Member> members = new ArrayList<>();
        int offsetBytes = size < 1 << 8 ? 1 : size < 1 << 16 ? 2 : size < 1 << 24 ? 3 : 4;
        for (int i = 0; i < n; i++) {
            String name = memberName(m, version);
            int offset;
            boolean scalar = true;
            if (version == 1) {
                offset = (int) m.u32();
                scalar = m.u8() == 0;
                m.skip(3 + 4 + 4 + 16);
            } else if (version == 2) {
                offset = (int) m.u32();
            } else if (version == 3) {
                offset = (int) m.unsigned(offsetBytes);
            } else {
                throw new NotUnderstood("compound version");
            }
            Type t = datatype(m, depth + 1);
            members.add(new ElementType.Member(name, offset, t.size, scalar, t.cls == 1 ? t.element : null));
        }
        return new Type(6, size, ElementType.complex(members, size), false, false);
    }

    // ---- attributes ----

    /** An attribute: its strings when it holds strings, else what it holds (for the refusal). */
    private record Attribute(String name, Hdf5Attributes.Kind kind, String typeName, long count, int typeSize, ByteBuffer data,
                             boolean spacePadded, List<String> variable) {}

    private Attribute attribute(Cursor m) throws NotUnderstood, IOException {
        int version = m.u8();
        int flags = m.u8();
        int nameSize = m.u16();
        int typeSize = m.u16();
        int spaceSize = m.u16();
        if (version == 3) m.skip(1);
        else if (version != 1 && version != 2) throw new NotUnderstood("attribute version");
        if (version > 1 && (flags & 0x03) != 0) throw new NotUnderstood("shared attribute type");
        int pad = version == 1 ? 7 : 0;
        Cursor nameC = m.sub((nameSize + pad) & ~pad);
        String name = nameC.cstring();
        Type type = datatype(m.sub((typeSize + pad) & ~pad));
        Header space = new Header();
        dataspace(m.sub((spaceSize + pad) & ~pad), space);
        // copied: the cursor may be over a cached page, which a node should not keep alive
        ByteBuffer data = ByteBuffer.wrap(java.util.Arrays.copyOfRange(m.b, m.pos, m.end)).order(ByteOrder.LITTLE_ENDIAN);
        Hdf5Attributes.Kind kind = switch (type.cls) {
            case 3 -> Hdf5Attributes.Kind.FIXED_STRING;
            case 9 -> type.variableString ? Hdf5Attributes.Kind.VARIABLE_STRING : Hdf5Attributes.Kind.OTHER;
            case 0, 1 -> Hdf5Attributes.Kind.NUMBER;
            default -> Hdf5Attributes.Kind.OTHER;
        };
        String typeName = switch (type.cls) {
            case 5 -> "OpaqueDataType";
            case 6 -> "CompoundDataType";
            case 8 -> "EnumDataType";
            default -> "VariableLength";
        };
        List<String> variable = null;
        if (kind == Hdf5Attributes.Kind.VARIABLE_STRING && space.count > 0) {
            if (space.count > Hdf5Attributes.MAX_STRINGS) throw new NotUnderstood("too many strings");
            variable = variableStrings(new Cursor(m.b, m.pos, m.end), (int) space.count);
        }
        return new Attribute(name, kind, typeName, space.count, type.size, data, type.spacePadded, variable);
    }

    /** Variable-length strings: each a length, a global heap collection's address and an object index. */
    private List<String> variableStrings(Cursor c, int count) throws NotUnderstood, IOException {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long length = c.u32();
            long collection = c.offset();
            long index = c.u32();
            if (length == 0) {
                out.add("");
                continue;
            }
            byte[] heap = globalHeap(collection);
            out.add(heapObject(heap, index, length));
        }
        return out;
    }

    private byte[] globalHeap(long address) throws NotUnderstood, IOException {
        byte[] known = globalHeaps.get(address);
        if (known != null) return known;
        if (globalHeaps.size() > 1024) throw new NotUnderstood("too many global heaps");
        Cursor h = at(address, 8 + lengths);
        if (!h.signature("GCOL") || h.u8() != 1) throw new NotUnderstood("global heap");
        h.skip(3);
        long collectionSize = h.length();
        Cursor whole = at(address, collectionSize);
        byte[] b = java.util.Arrays.copyOfRange(whole.b, whole.begin, whole.end);
        globalHeaps.put(address, b);
        return b;
    }

    private String heapObject(byte[] heap, long index, long length) throws NotUnderstood {
        Cursor c = new Cursor(heap, 8 + lengths, heap.length);
        while (c.end - c.pos >= 8 + lengths) {
            int i = c.u16();
            c.skip(6);
            long n = c.length();
            if (i == 0) break;
            if (i == index) {
                if (length > n) throw new NotUnderstood("string longer than its heap object");
                return new String(c.bytes(length), StandardCharsets.UTF_8);
            }
            c.skip((n + 7) & ~7L);
        }
        throw new NotUnderstood("global heap object missing");
    }

    // ---- nodes ----

    private abstract static class Node {
        final long address;
        final Map<String, Attribute> attributes;

        Node(long address, Map<String, Attribute> attributes) {
            this.address = address;
            this.attributes = attributes;
        }

        public long address() { return address; }

        public Optional<List<String>> strings(String name) throws FormatException {
            Attribute a = attributes.get(name);
            if (a == null) return Optional.empty();
            return Optional.of(Hdf5Attributes.decode(name, a.kind, a.typeName, a.count, a.typeSize, a.data, a.spacePadded,
                    () -> a.variable == null ? List.of() : a.variable));
        }
    }

    private static final class Group extends Node implements Hdf5Node.Group {
        final Map<String, Hdf5Node> children = new LinkedHashMap<>();

        Group(long address, Map<String, Attribute> attributes) {
            super(address, attributes);
        }

        @Override
        public Map<String, Hdf5Node> children() { return Collections.unmodifiableMap(children); }

        @Override
        public Optional<Hdf5Node> child(String name) { return Optional.ofNullable(children.get(name)); }
    }

    private final class Dataset extends Node implements Hdf5Node.Dataset {
        final Where where;
        final Header h;

        Dataset(long address, Where where, Header h) throws NotUnderstood {
            super(address, h.attributes);
            this.where = where;
            this.h = h;
            if (h.datatype == null || h.dims == null) throw new NotUnderstood("dataset without a type or a dataspace");
        }

        @Override
        public Hdf5Tensors.Description describe(String name) throws FormatException {
            ElementType element = h.datatype.element;
            if (h.datatype.cls == 5) element = ElementType.opaque(h.datatype.size, Hdf5Attributes.string(file, this, "dtype"));
            if (element instanceof ElementType.Unsupported u) return Hdf5Tensors.Description.notATensor(u);
            if (h.nullSpace) return new Hdf5Tensors.Description(element, true, new long[0], Hdf5Tensors.Layout.OTHER, "", -1, null, List.of(), null);
            return switch (h.layout[0]) {
                case 0 -> new Hdf5Tensors.Description(element, false, h.dims, Hdf5Tensors.Layout.COMPACT, "", -1, h.fill, List.of(),
                        (shape, item) -> Hdf5Tensors.compact(name, JhdfNodes.numel(shape) * item, ByteBuffer.wrap(h.compact)));
                case 1 -> new Hdf5Tensors.Description(element, false, h.dims, Hdf5Tensors.Layout.CONTIGUOUS, "", h.dataAddress, h.fill,
                        List.of(), null);
                default -> new Hdf5Tensors.Description(element, false, h.dims, Hdf5Tensors.Layout.CHUNKED, "", -1, h.fill,
                        List.copyOf(h.filters), (shape, item) -> sink -> {
                            String path = String.valueOf(where);
                            io.jhdf.api.Dataset d = file.jhdfDataset(path);
                            if (!(d instanceof ChunkedDataset cd)) throw new FormatException("malformed HDF5 file: '" + path + "' is not chunked");
                            new ChunkAssembler(file, cd, name, shape, item).decodeInto(sink);
                        });
            };
        }
    }

    /** Bob Jenkins' lookup3 hash (hashlittle, initial value 0), HDF5's metadata checksum. */
    static int lookup3(byte[] k, int off, int length) {
        int a = 0xdeadbeef + length;
        int b = a;
        int c = a;
        int i = off;
        int n = length;
        while (n > 12) {
            a += le(k, i);
            b += le(k, i + 4);
            c += le(k, i + 8);
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            n -= 12;
            i += 12;
        }
        if (n == 0) return c;
        int[] w = new int[3];
        for (int j = 0; j < n; j++) w[j / 4] += (k[i + j] & 0xff) << (8 * (j % 4));
        a += w[0];
        b += w[1];
        c += w[2];
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    private static int le(byte[] k, int i) {
        return (k[i] & 0xff) | (k[i + 1] & 0xff) << 8 | (k[i + 2] & 0xff) << 16 | (k[i + 3] & 0xff) << 24;
    }
}
