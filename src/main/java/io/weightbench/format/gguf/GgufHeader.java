package io.weightbench.format.gguf;

import io.weightbench.format.FormatException;
import io.weightbench.tensor.ByteSource;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file's header, parsed and checked as ggml's {@code gguf_init_from_file} checks it: magic
 * and version (2 or 3, in either byte order), the key/value pairs (each rendered for display),
 * {@code general.alignment} (a uint32 power of two, 32 by default), the tensor infos (at most 4
 * dimensions, none negative, unique names) and where the data section starts (the end of the
 * infos, padded to the alignment).
 *
 * @param kv          every key/value pair, rendered ({@link GgufValues}), in file order
 * @param dataOffset  where the data section starts in the file; tensor offsets count from here
 */
record GgufHeader(int version, ByteOrder order, boolean fuggMagic, long kvCount, Map<String, String> kv,
                  long alignment, boolean alignmentSet, List<Info> tensors, long dataOffset) {

    static final long DEFAULT_ALIGNMENT = 32;
    /** ggml's limit (GGML_MAX_DIMS). */
    static final int MAX_DIMS = 4;
    /** Keys and tensor names longer than this are refused (ggml allows 63-byte tensor names). */
    static final int MAX_NAME = 64 * 1024;
    /** Stated limits (real files hold tens of key/values and at most tens of thousands of tensors). */
    static final long MAX_TENSORS = 262_144;
    static final long MAX_KV = 65_536;

    /** One tensor as the header describes it: {@code ne} in ggml's order (fastest-varying first). */
    record Info(String name, long[] ne, int type, long offset) {}

    /** "GGUF": the magic every GGUF file starts with. */
    static boolean isGguf(byte[] head) {
        return head.length >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F';
    }

    /** "FUGG": gguf-py's magic for a big-endian file (newer than marking it by the version alone). */
    static boolean isFugg(byte[] head) {
        return head.length >= 8 && head[0] == 'F' && head[1] == 'U' && head[2] == 'G' && head[3] == 'G'
                && head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] >= 1 && head[7] <= 3;
    }

    static GgufHeader read(ByteSource file) throws IOException {
        if (file.size() < 8) throw new FormatException("the file ends inside the GGUF magic and version (" + file.size() + " bytes)");
        byte[] head = new byte[8];
        file.read(0, head, 0, 8);
        boolean fugg = isFugg(head);
        if (!fugg && !isGguf(head)) throw new FormatException("the file does not start with the GGUF magic");
        int le = (head[4] & 0xff) | (head[5] & 0xff) << 8 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 24;
        // A big-endian file is marked by "FUGG" or, in older files, only by its version: 3 written
        // big-endian reads as 0x03000000 little-endian (ggml and gguf-py test the low 16 bits).
        boolean big = fugg || (le != 0 && (le & 0xffff) == 0);
        int version = big ? Integer.reverseBytes(le) : le;
        if (version == 1) {
            throw new FormatException("GGUF version 1 (2023, with 32-bit counts) is not read: llama.cpp dropped it too;"
                    + " convert the model again with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            throw new FormatException("GGUF version " + Integer.toUnsignedString(version) + " is not one this program reads (2 and 3)");
        }
        ByteOrder order = big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        GgufCursor c = new GgufCursor(file, order, 8);
        long tensorCount = c.u64("the tensor count", null);
        long kvCount = c.u64("the key/value count", null);
        // Each key/value takes at least 13 bytes (key length, value type, one byte of value) and
        // each tensor info 24 (name length, dimension count, type, offset).
        if (Long.compareUnsigned(tensorCount, c.remaining() / 24) > 0) {
            throw new FormatException("the GGUF header claims " + Long.toUnsignedString(tensorCount)
                    + " tensors, more than the " + c.remaining() + " bytes after it could describe");
        }
        if (Long.compareUnsigned(kvCount, (c.remaining() - tensorCount * 24) / 13) > 0) {
            throw new FormatException("the GGUF header claims " + Long.toUnsignedString(kvCount)
                    + " key/value pairs, more than the " + c.remaining() + " bytes after it could hold");
        }
        if (tensorCount > MAX_TENSORS) {
            throw new FormatException("the GGUF header lists " + tensorCount + " tensors, over this program's limit of " + MAX_TENSORS);
        }
        if (kvCount > MAX_KV) {
            throw new FormatException("the GGUF header has " + kvCount + " key/value pairs, over this program's limit of " + MAX_KV);
        }
        GgufValues.Budget budget = new GgufValues.Budget();
        Map<String, String> kv = new LinkedHashMap<>();
        long alignment = DEFAULT_ALIGNMENT;
        boolean alignmentSet = false;
        for (long i = 0; i < kvCount; i++) {
            String key = name(c, "key " + i, budget);
            if (kv.containsKey(key)) throw new FormatException("the GGUF key " + GgufValues.quoted(key) + " appears twice");
            int type = c.u32("the value type of", key);
            if (key.equals("general.alignment")) {
                if (type != GgufValues.UINT32) {
                    throw new FormatException("general.alignment is a " + GgufValues.typeName(type) + "; GGUF requires a uint32");
                }
                alignment = Integer.toUnsignedLong(c.u32("the value of", key));
                if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
                    throw new FormatException("general.alignment is " + alignment + ", not a power of two");
                }
                alignmentSet = true;
                kv.put(key, Long.toString(alignment));
                continue;
            }
            kv.put(key, GgufValues.read(c, key, type, budget));
        }
        List<Info> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = name(c, "the name of tensor " + i, budget);
            if (!names.add(name)) throw new FormatException("two GGUF tensors are named " + GgufValues.quoted(name));
            int dims = c.u32("the dimension count of", name);
            if (dims < 0 || dims > MAX_DIMS) {
                throw new FormatException("the GGUF tensor " + GgufValues.quoted(name) + " has " + Integer.toUnsignedString(dims)
                        + " dimensions; ggml allows at most " + MAX_DIMS);
            }
            long[] ne = new long[dims];
            for (int d = 0; d < dims; d++) {
                ne[d] = c.u64("a dimension of", name);
                if (ne[d] < 0) {
                    throw new FormatException("the GGUF tensor " + GgufValues.quoted(name) + " has dimension " + d + " of "
                            + Long.toUnsignedString(ne[d]) + " elements (over 2^63)");
                }
            }
            int type = c.u32("the type of", name);
            long offset = c.u64("the data offset of", name);
            tensors.add(new Info(name, ne, type, offset));
        }
        long end = c.position();
        long dataOffset = end;
        if (tensorCount != 0) {
            dataOffset = Math.addExact(end, (alignment - end % alignment) % alignment);
            if (dataOffset > file.size()) {
                throw new FormatException("the GGUF data section would start at offset " + dataOffset
                        + " (the header's end padded to the alignment " + alignment + "), past the end of the file (" + file.size() + " bytes)");
            }
        }
        return new GgufHeader(version, order, fugg, kvCount, kv, alignment, alignmentSet, List.copyOf(tensors), dataOffset);
    }

    /** A key or tensor name: refused over {@link #MAX_NAME} bytes, and counted against the header's budget. */
    private static String name(GgufCursor c, String what, GgufValues.Budget budget) throws IOException {
        GgufCursor.Text t = c.string(MAX_NAME, what, null);
        if (t.cut()) {
            throw new FormatException("the GGUF header has a name of " + Long.toUnsignedString(t.length())
                    + " bytes (" + what + "), over the " + MAX_NAME + "-byte limit");
        }
        budget.name(t.value());
        return t.value();
    }
}
