package io.weightbench.format.gguf;

import io.weightbench.format.FormatException;
import java.io.IOException;

/**
 * Reads one GGUF metadata value and renders it as the text shown for its key: scalars as
 * themselves, strings as they are (up to 64 KiB), arrays abbreviated to their length, element
 * type and first elements ({@code [32000 strings: "<unk>", "<s>", "</s>", ...]}). Long arrays of
 * numbers are skipped in one step; arrays of strings or arrays are walked (their elements differ in
 * size), keeping nothing but the first few. What a whole header keeps is bounded by a
 * {@link Budget}, whatever its values hold.
 */
final class GgufValues {

    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int UINT32 = 4;

    /** A value is shown up to this many characters (a long string is cut, with its full length). */
    static final int MAX_SHOWN = 64 * 1024;
    /** Once a header's budget is spent, each further value is shown up to this many characters. */
    static final int MIN_SHOWN = 256;
    /** Arrays nested deeper than this are refused (ggml refuses any nesting; the spec allows it). */
    static final int MAX_DEPTH = 8;
    /** Arrays this long or shorter are shown whole; longer ones by their first {@link #FIRST} elements. */
    static final int SHOW_ALL = 8;
    static final int FIRST = 3;
    /** Strings inside arrays are shown up to this many characters. */
    static final int ELEMENT_CHARS = 64;
    /** Names quoted in messages are cut to this many characters. */
    static final int NAME_CHARS = 100;

    private static final String[] NAMES = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool",
        "string", "array", "uint64", "int64", "float64"};
    private static final int[] SIZES = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

    /**
     * The characters one header may keep in memory: 64 Mi for its keys and tensor names (a header
     * whose names need more is refused) and 64 Mi for shown values (past which each value is shown
     * in at most {@link #MIN_SHOWN} characters).
     */
    static final class Budget {
        static final long CHARS = 64L * 1024 * 1024;

        private long values = CHARS;
        private long names = CHARS;

        /** How many characters the next value may show. */
        int allowance() {
            return (int) Math.max(MIN_SHOWN, Math.min(MAX_SHOWN, values));
        }

        void spend(long chars) {
            values -= chars;
        }

        /** Spends a name's length; fails when names alone exceed the budget. */
        void name(String name) throws FormatException {
            names -= name.length();
            if (names < 0) {
                throw new FormatException("the GGUF header's keys and tensor names exceed " + (CHARS >> 20) + " MiB");
            }
        }
    }

    private GgufValues() {}

    /** The name GGUF gives a value type, e.g. {@code uint32}; {@code type N} for an unknown one. */
    static String typeName(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "type " + Integer.toUnsignedString(type);
    }

    /** A key or tensor name for a message: quoted, on one line, cut to {@link #NAME_CHARS} characters. */
    static String quoted(String name) {
        boolean cut = name.length() > NAME_CHARS;
        return "'" + escape(cut ? name.substring(0, NAME_CHARS) : name, '\'') + (cut ? "...'" : "'");
    }

    /** Reads a value of {@code type} for {@code key} and renders it. */
    static String read(GgufCursor c, String key, int type, Budget budget) throws IOException {
        check(key, type);
        int allowance = budget.allowance();
        String shown;
        if (type == STRING) {
            GgufCursor.Text t = c.string(allowance, "the string value of", key);
            shown = t.cut() ? t.value() + "... (" + t.length() + " bytes in all)" : t.value();
        } else if (type == ARRAY) {
            shown = array(c, key, 1, allowance);
        } else {
            shown = scalar(c, key, type);
        }
        budget.spend(shown.length());
        return shown;
    }

    private static void check(String key, int type) throws FormatException {
        if (type < 0 || type >= NAMES.length) {
            throw new FormatException("the GGUF key " + quoted(key) + " has value type " + Integer.toUnsignedString(type)
                    + ", which GGUF does not define (0 to 12)");
        }
    }

    private static String scalar(GgufCursor c, String key, int type) throws IOException {
        String what = "the value of";
        return switch (type) {
            case 0 -> Integer.toString(c.u8(what, key));
            case 1 -> Integer.toString((byte) c.u8(what, key));
            case 2 -> Integer.toString(c.i16(what, key) & 0xffff);
            case 3 -> Integer.toString(c.i16(what, key));
            case 4 -> Integer.toUnsignedString(c.u32(what, key));
            case 5 -> Integer.toString(c.u32(what, key));
            case 6 -> Float.toString(Float.intBitsToFloat(c.u32(what, key)));
            case 7 -> c.u8(what, key) != 0 ? "true" : "false";
            case 10 -> Long.toUnsignedString(c.u64(what, key));
            case 11 -> Long.toString(c.u64(what, key));
            case 12 -> Double.toString(Double.longBitsToDouble(c.u64(what, key)));
            default -> throw new IllegalStateException("not a scalar type: " + type);
        };
    }

    /**
     * An array (its element type and count come first), rendered abbreviated and in at most
     * {@code limit} characters: past the limit, elements are skipped.
     */
    private static String array(GgufCursor c, String key, int depth, int limit) throws IOException {
        if (depth > MAX_DEPTH) throw new FormatException("the GGUF key " + quoted(key) + " holds arrays nested more than " + MAX_DEPTH + " deep");
        int type = c.u32("the array element type of", key);
        check(key, type);
        long count = c.u64("the array length of", key);
        long least = checkCount(c, key, type, count);
        int shown = (int) (count <= SHOW_ALL ? count : FIRST);
        StringBuilder out = new StringBuilder("[").append(count).append(' ').append(plural(type));
        boolean full = false;
        for (long i = 0; i < count; i++) {
            if (i >= shown || full) {
                if (type != STRING && type != ARRAY) {
                    c.skip((count - i) * least, "the rest of the array", key);
                    break;
                }
                skip(c, key, type, depth);
                continue;
            }
            out.append(i == 0 ? ": " : ", ").append(element(c, key, type, depth, Math.max(0, limit - out.length())));
            full = out.length() >= limit;
        }
        if (count > shown || full) out.append(", ...");
        return out.append(']').toString();
    }

    /** Refuses a count the rest of the file cannot hold; returns the least bytes an element takes. */
    private static long checkCount(GgufCursor c, String key, int type, long count) throws FormatException {
        long least = type == STRING ? 8 : type == ARRAY ? 12 : SIZES[type];
        if (Long.compareUnsigned(count, c.remaining() / least) > 0) {
            throw new FormatException("the GGUF key " + quoted(key) + " claims an array of " + Long.toUnsignedString(count) + " "
                    + typeName(type) + " values, more than the " + c.remaining() + " bytes left in the file can hold");
        }
        return least;
    }

    private static String element(GgufCursor c, String key, int type, int depth, int limit) throws IOException {
        if (type == ARRAY) return array(c, key, depth + 1, limit);
        if (type != STRING) return scalar(c, key, type);
        GgufCursor.Text t = c.string(ELEMENT_CHARS * 4L, "a string in the array", key);
        String s = t.value();
        boolean cut = t.cut();
        if (s.length() > ELEMENT_CHARS) {
            s = s.substring(0, ELEMENT_CHARS);
            cut = true;
        }
        return '"' + escape(s, '"') + '"' + (cut ? "..." : "");
    }

    /** Moves past one element of a string or nested array without keeping it. */
    private static void skip(GgufCursor c, String key, int type, int depth) throws IOException {
        if (type == STRING) {
            long n = c.u64("a string length in the array", key);
            c.skip(n, "a string in the array", key);
            return;
        }
        if (depth + 1 > MAX_DEPTH) throw new FormatException("the GGUF key " + quoted(key) + " holds arrays nested more than " + MAX_DEPTH + " deep");
        int inner = c.u32("the array element type of an array in", key);
        check(key, inner);
        long count = c.u64("the array length of an array in", key);
        long least = checkCount(c, key, inner, count);
        if (inner != STRING && inner != ARRAY) {
            c.skip(count * least, "an array in", key);
            return;
        }
        for (long i = 0; i < count; i++) skip(c, key, inner, depth + 1);
    }

    private static String plural(int type) {
        return type == STRING ? "strings" : type == ARRAY ? "arrays" : NAMES[type];
    }

    /** {@code s} with the quote character, backslashes and control characters escaped (one line). */
    private static String escape(String s, char quote) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == quote || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch == '\n') {
                b.append("\\n");
            } else if (ch == '\r') {
                b.append("\\r");
            } else if (ch == '\t') {
                b.append("\\t");
            } else if (ch < 0x20 || ch == 0x7f || ch == '\u2028' || ch == '\u2029' || ch == '\u0085') {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
