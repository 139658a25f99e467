package io.weightbench.format.gguf;

import io.weightbench.format.FormatException;
import java.io.IOException;

/**
 * Reads one GGUF metadata value and renders it as the text shown for its key: scalars as
 * themselves, strings as they are (up to 64 KiB), arrays abbreviated to their length, element
 * type and first elements ({@code [32000 strings: "<unk>", "<s>", "</s>", ...]}). Long arrays of
 * numbers are skipped in one step; arrays of strings or arrays are walked (their elements differ in
 * size), keeping nothing but the first few.
 */
final class GgufValues {

    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int UINT32 = 4;

    /** A top-level string longer than this is shown cut, with its full length. */
    static final int MAX_STRING = 64 * 1024;
    /** Arrays nested deeper than this are refused (ggml refuses any nesting; the spec allows it). */
    static final int MAX_DEPTH = 8;
    /** Arrays this long or shorter are shown whole; longer ones by their first {@link #FIRST} elements. */
    static final int SHOW_ALL = 8;
    static final int FIRST = 3;
    /** Strings inside arrays are shown up to this many characters. */
    static final int ELEMENT_CHARS = 64;

    private static final String[] NAMES = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool",
        "string", "array", "uint64", "int64", "float64"};
    private static final int[] SIZES = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

    private GgufValues() {}

    /** The name GGUF gives a value type, e.g. {@code uint32}; {@code type N} for an unknown one. */
    static String typeName(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "type " + Integer.toUnsignedString(type);
    }

    /** Reads a value of {@code type} for {@code key} and renders it. */
    static String read(GgufCursor c, String key, int type) throws IOException {
        check(key, type);
        if (type == STRING) {
            GgufCursor.Text t = c.string(MAX_STRING, "the string value of '" + key + "'");
            return t.cut() ? t.value() + "... (" + t.length() + " bytes in all)" : t.value();
        }
        if (type == ARRAY) return array(c, key, 1);
        return scalar(c, key, type);
    }

    private static void check(String key, int type) throws FormatException {
        if (type < 0 || type >= NAMES.length) {
            throw new FormatException("the GGUF key '" + key + "' has value type " + Integer.toUnsignedString(type)
                    + ", which GGUF does not define (0 to 12)");
        }
    }

    private static String scalar(GgufCursor c, String key, int type) throws IOException {
        String what = "the value of '" + key + "'";
        return switch (type) {
            case 0 -> Integer.toString(c.u8(what));
            case 1 -> Integer.toString((byte) c.u8(what));
            case 2 -> Integer.toString(c.i16(what) & 0xffff);
            case 3 -> Integer.toString(c.i16(what));
            case 4 -> Integer.toUnsignedString(c.u32(what));
            case 5 -> Integer.toString(c.u32(what));
            case 6 -> Float.toString(c.f32(what));
            case 7 -> c.u8(what) != 0 ? "true" : "false";
            case 10 -> Long.toUnsignedString(c.u64(what));
            case 11 -> Long.toString(c.u64(what));
            case 12 -> Double.toString(c.f64(what));
            default -> throw new IllegalStateException("not a scalar type: " + type);
        };
    }

    /** An array (its element type and count come first), rendered abbreviated. */
    private static String array(GgufCursor c, String key, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new FormatException("the GGUF key '" + key + "' holds arrays nested more than " + MAX_DEPTH + " deep");
        int type = c.u32("the array element type of '" + key + "'");
        check(key, type);
        long count = c.u64("the array length of '" + key + "'");
        // Every element takes at least this many bytes: a length that the rest of the file cannot
        // hold is refused before walking it.
        long least = type == STRING ? 8 : type == ARRAY ? 12 : SIZES[type];
        if (Long.compareUnsigned(count, c.remaining() / least) > 0) {
            throw new FormatException("the GGUF key '" + key + "' claims an array of " + Long.toUnsignedString(count) + " "
                    + typeName(type) + " values, more than the " + c.remaining() + " bytes left in the file can hold");
        }
        int shown = (int) (count <= SHOW_ALL ? count : FIRST);
        StringBuilder out = new StringBuilder("[").append(count).append(' ').append(plural(type));
        for (long i = 0; i < count; i++) {
            if (i >= shown) {
                if (type != STRING && type != ARRAY) {
                    c.skip((count - i) * least, "the rest of the array '" + key + "'");
                    break;
                }
                skip(c, key, type, depth);
                continue;
            }
            out.append(i == 0 ? ": " : ", ").append(element(c, key, type, depth));
        }
        if (count > shown) out.append(", ...");
        return out.append(']').toString();
    }

    private static String element(GgufCursor c, String key, int type, int depth) throws IOException {
        if (type == ARRAY) return array(c, key, depth + 1);
        if (type != STRING) return scalar(c, key, type);
        GgufCursor.Text t = c.string(ELEMENT_CHARS * 4L, "a string in the array '" + key + "'");
        String s = t.value();
        boolean cut = t.cut();
        if (s.length() > ELEMENT_CHARS) {
            s = s.substring(0, ELEMENT_CHARS);
            cut = true;
        }
        return quote(s) + (cut ? "..." : "");
    }

    /** Moves past one element of a string or nested array without keeping it. */
    private static void skip(GgufCursor c, String key, int type, int depth) throws IOException {
        if (type == STRING) {
            long n = c.u64("a string length in the array", key);
            c.skip(n, "a string in the array", key);
            return;
        }
        if (depth + 1 > MAX_DEPTH) throw new FormatException("the GGUF key '" + key + "' holds arrays nested more than " + MAX_DEPTH + " deep");
        int inner = c.u32("the array element type of an array in", key);
        check(key, inner);
        long count = c.u64("the array length of an array in", key);
        if (inner != STRING && inner != ARRAY) {
            if (Long.compareUnsigned(count, c.remaining() / SIZES[inner]) > 0) {
                throw new FormatException("the GGUF key '" + key + "' claims an array of " + Long.toUnsignedString(count) + " "
                        + typeName(inner) + " values, more than the " + c.remaining() + " bytes left in the file can hold");
            }
            c.skip(count * SIZES[inner], "an array in", key);
            return;
        }
        long least = inner == STRING ? 8 : 12;
        if (Long.compareUnsigned(count, c.remaining() / least) > 0) {
            throw new FormatException("the GGUF key '" + key + "' claims an array of " + Long.toUnsignedString(count) + " "
                    + typeName(inner) + " values, more than the " + c.remaining() + " bytes left in the file can hold");
        }
        for (long i = 0; i < count; i++) skip(c, key, inner, depth + 1);
    }

    private static String plural(int type) {
        return type == STRING ? "strings" : type == ARRAY ? "arrays" : NAMES[type];
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
                    else b.append(ch);
                }
            }
        }
        return b.append('"').toString();
    }
}
