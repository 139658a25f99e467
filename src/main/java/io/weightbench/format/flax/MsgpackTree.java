package io.weightbench.format.flax;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.MappedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A MessagePack file's structure (the format of msgpack/spec.md), read header by header from the
 * memory-mapped file without reading array data: each array leaf keeps only where its bytes lie.
 * Every count, length and depth is bounded; anything that is not one well-formed MessagePack value
 * filling the file is refused. (Why not msgpack-core: see the pom.)
 */
final class MsgpackTree {

    static final int MAX_DEPTH = 256;
    static final int MAX_NODES = 10_000_000;
    static final int MAX_KEY = 1 << 16;
    static final int MAX_TEXT = 1 << 16;

    sealed interface Node permits MapNode, ListNode, ArrayLeaf, Scalar {}

    /** A dict; also flax's chunked-array form. */
    record MapNode(Map<String, Node> entries) implements Node {
        boolean isChunkedArray() {
            return entries.get("__msgpack_chunked_array__") instanceof Scalar s && s.value() instanceof Boolean b && b
                    && entries.get("shape") instanceof MapNode && entries.get("chunks") instanceof MapNode;
        }

        /** flax's {@code _dict_to_tuple} of the "shape" entry: values under "0", "1", ... */
        long[] chunkedShape(String key) throws FormatException {
            Map<String, Node> s = ((MapNode) entries.get("shape")).entries();
            long[] shape = new long[s.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!(s.get(Integer.toString(i)) instanceof Scalar v) || !(v.value() instanceof Long d) || d < 0) {
                    throw new FormatException("chunked array '" + key + "' has a malformed shape");
                }
                shape[i] = d;
            }
            return shape;
        }

        List<ArrayLeaf> chunks() throws FormatException {
            Map<String, Node> c = ((MapNode) entries.get("chunks")).entries();
            List<ArrayLeaf> out = new ArrayList<>();
            for (int i = 0; i < c.size(); i++) {
                if (!(c.get(Integer.toString(i)) instanceof ArrayLeaf a)) throw new FormatException("chunked array has a malformed chunk " + i);
                out.add(a);
            }
            return out;
        }
    }

    record ListNode(List<Node> items) implements Node {}

    /** An array (extension type 1) or numpy scalar (type 3): its dtype name, shape and where its bytes lie. */
    record ArrayLeaf(String dtype, long[] shape, long offset, long length, boolean scalar) implements Node {}

    /** A plain value: nil, bool, number, string, bytes, or another extension type; {@code value} is a Long or Boolean where it is one. */
    record Scalar(String text, Object value) implements Node {}

    private final MappedFile file;
    private final long size;
    private long pos;
    private int nodes;
    private int arrays;
    private final byte[] buf = new byte[9];

    private MsgpackTree(MappedFile file) {
        this.file = file;
        this.size = file.size();
    }

    /** A malformed file that had already shown flax arrays: a broken checkpoint rather than some other format. */
    static final class Broken extends FormatException {
        private static final long serialVersionUID = 1L;

        Broken(String message) { super(message); }
    }

    /**
     * The whole file as one MessagePack value; a FormatException when it is not exactly that ({@link
     * Broken} when arrays had been read before the problem).
     */
    static Node read(MappedFile file) throws IOException {
        MsgpackTree t = new MsgpackTree(file);
        try {
            Node root = t.value(0);
            if (t.pos != t.size) throw new FormatException("MessagePack value ends at offset " + t.pos + " of " + t.size + " bytes");
            return root;
        } catch (FormatException e) {
            if (t.arrays > 0 && !(e instanceof Broken)) throw new Broken("malformed Flax msgpack: " + e.getMessage());
            throw e;
        }
    }

    static boolean hasArray(Node n) {
        if (n instanceof ArrayLeaf) return true;
        if (n instanceof MapNode m) {
            for (Node c : m.entries().values()) if (hasArray(c)) return true;
        }
        if (n instanceof ListNode l) {
            for (Node c : l.items()) if (hasArray(c)) return true;
        }
        return false;
    }

    private long remaining() { return size - pos; }

    private int u8() throws IOException {
        if (pos >= size) throw new FormatException("MessagePack data ends early (offset " + pos + ")");
        file.read(pos++, buf, 0, 1);
        return buf[0] & 0xff;
    }

    /** An unsigned big-endian field of n bytes (1, 2, 4 or 8; 8 may come back negative, callers check). */
    private long be(int n) throws IOException {
        if (pos + n > size) throw new FormatException("MessagePack data ends early (offset " + pos + ")");
        file.read(pos, buf, 0, n);
        pos += n;
        long v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | (buf[i] & 0xff);
        return v;
    }

    /** Skips n bytes of payload, checked against the file. */
    private void skip(long n) throws FormatException {
        if (n < 0 || n > remaining()) throw new FormatException("a value of " + Long.toUnsignedString(n) + " bytes at offset " + pos + " runs past the end");
        pos += n;
    }

    private String text(long n, int limit) throws IOException {
        if (n < 0 || n > remaining()) throw new FormatException("a string of " + Long.toUnsignedString(n) + " bytes at offset " + pos + " runs past the end");
        int take = (int) Math.min(n, limit);
        byte[] b = new byte[take];
        file.read(pos, b, 0, take);
        pos += n;
        String s = new String(b, StandardCharsets.UTF_8);
        return n > limit ? s + "... (" + n + " bytes)" : s;
    }

    private void count() throws FormatException {
        if (++nodes > MAX_NODES) throw new FormatException("more than " + MAX_NODES + " MessagePack values");
    }

    private Node value(int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new FormatException("MessagePack values nested deeper than " + MAX_DEPTH);
        count();
        int b = u8();
        if (b <= 0x7f) return new Scalar(Integer.toString(b), (long) b);
        if (b >= 0xe0) return new Scalar(Integer.toString((byte) b), (long) (byte) b);
        if (b <= 0x8f) return map(b & 0x0f, depth);
        if (b <= 0x9f) return list(b & 0x0f, depth);
        if (b <= 0xbf) return new Scalar(shorten(text(b & 0x1f, MAX_TEXT)), null);
        return switch (b) {
            case 0xc0 -> new Scalar("None", null);
            case 0xc2 -> new Scalar("false", false);
            case 0xc3 -> new Scalar("true", true);
            case 0xc4, 0xc5, 0xc6 -> {
                long n = be(1 << (b - 0xc4));
                skip(n);
                yield new Scalar("bytes (" + n + ")", null);
            }
            case 0xc7, 0xc8, 0xc9 -> ext(be(1 << (b - 0xc7)));
            case 0xca -> new Scalar(Float.toString(Float.intBitsToFloat((int) be(4))), null);
            case 0xcb -> new Scalar(Double.toString(Double.longBitsToDouble(be(8))), null);
            case 0xcc, 0xcd, 0xce -> {
                long v = be(1 << (b - 0xcc));
                yield new Scalar(Long.toString(v), v);
            }
            case 0xcf -> {
                long v = be(8);
                yield new Scalar(Long.toUnsignedString(v), v >= 0 ? v : null);
            }
            case 0xd0 -> scalarLong((byte) be(1));
            case 0xd1 -> scalarLong((short) be(2));
            case 0xd2 -> scalarLong((int) be(4));
            case 0xd3 -> scalarLong(be(8));
            case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 -> ext(1L << (b - 0xd4));
            case 0xd9, 0xda, 0xdb -> new Scalar(shorten(text(be(1 << (b - 0xd9)), MAX_TEXT)), null);
            case 0xdc, 0xdd -> list(be(b == 0xdc ? 2 : 4), depth);
            case 0xde, 0xdf -> map(be(b == 0xde ? 2 : 4), depth);
            default -> throw new FormatException("byte 0x" + Integer.toHexString(b) + " at offset " + (pos - 1) + " starts no MessagePack value");
        };
    }

    private static Scalar scalarLong(long v) { return new Scalar(Long.toString(v), v); }

    private Node map(long n, int depth) throws IOException {
        if (n * 2 > remaining()) throw new FormatException("a map of " + n + " entries at offset " + pos + " runs past the end");
        Map<String, Node> entries = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) {
            String key = key();
            if (entries.put(key, value(depth + 1)) != null) throw new FormatException("a map has the key '" + shorten(key) + "' twice");
        }
        return new MapNode(entries);
    }

    private Node list(long n, int depth) throws IOException {
        if (n > remaining()) throw new FormatException("an array of " + n + " items at offset " + pos + " runs past the end");
        List<Node> items = new ArrayList<>();
        for (long i = 0; i < n; i++) items.add(value(depth + 1));
        return new ListNode(items);
    }

    /** Map keys: strings, or integers (as text). */
    private String key() throws IOException {
        count();
        int b = u8();
        if (b >= 0xa0 && b <= 0xbf) return text(b & 0x1f, MAX_KEY);
        if (b >= 0xd9 && b <= 0xdb) {
            long n = be(1 << (b - 0xd9));
            if (n > MAX_KEY) throw new FormatException("a map key of " + n + " bytes at offset " + pos);
            return text(n, MAX_KEY);
        }
        pos--;
        nodes--;
        Node k = value(MAX_DEPTH);
        if (k instanceof Scalar s && s.value() instanceof Long) return s.text();
        throw new FormatException("a map key at offset " + pos + " that is not a string or an integer");
    }

    /** An extension value of {@code length} payload bytes: flax's arrays (types 1, 3), complex numbers (2), others skipped. */
    private Node ext(long length) throws IOException {
        int type = (byte) u8();
        long start = pos;
        long end = start + length;
        if (length < 0 || end > size) throw new FormatException("an extension value at offset " + start + " runs past the end");
        if (type != 1 && type != 3) {
            pos = end;
            return new Scalar(type == 2 ? "complex" : "extension type " + type + " (" + length + " bytes)", null);
        }
        // flax's _ndarray_to_bytes: a 3-array (shape tuple, dtype name, C-order bytes)
        if (u8() != 0x93) throw new FormatException("an array at offset " + start + " is not (shape, dtype, bytes)");
        int s = u8();
        long rank = s >= 0x90 && s <= 0x9f ? s & 0x0f : s == 0xdc ? be(2) : -1;
        if (rank < 0 || rank > 64) throw new FormatException("an array at offset " + start + " has a malformed shape");
        long[] shape = new long[(int) rank];
        for (int i = 0; i < rank; i++) {
            Node d = value(0);
            if (!(d instanceof Scalar v) || !(v.value() instanceof Long dim) || dim < 0) {
                throw new FormatException("an array at offset " + start + " has a shape entry that is not a size");
            }
            shape[i] = dim;
        }
        int t = u8();
        long nameLen = t >= 0xa0 && t <= 0xbf ? t & 0x1f : t == 0xd9 || t == 0xc4 ? be(1) : -1;
        if (nameLen < 0 || nameLen > 64) throw new FormatException("an array at offset " + start + " has no dtype name");
        String dtype = text(nameLen, 64);
        int d = u8();
        long dataLen = switch (d) {
            case 0xc4, 0xd9 -> be(1);
            case 0xc5, 0xda -> be(2);
            case 0xc6, 0xdb -> be(4);
            default -> throw new FormatException("array data at offset " + (pos - 1) + " is not a byte string");
        };
        long at = pos;
        if (at + dataLen != end) throw new FormatException("an array at offset " + start + " does not fill its extension");
        pos = end;
        arrays++;
        return new ArrayLeaf(dtype, shape, at, dataLen, type == 3);
    }

    private static String shorten(String s) { return s.length() > 200 ? s.substring(0, 200) + "..." : s; }
}
