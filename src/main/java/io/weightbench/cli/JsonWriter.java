package io.weightbench.cli;

import java.io.PrintWriter;

/**
 * Compact JSON straight to a writer, for listings of thousands of tensors printed by a short-lived
 * JVM (where a general JSON library's warm-up costs more than the writing). ASCII only, as Python's
 * {@code json.dumps} writes by default: quote, backslash and control characters escaped as RFC 8259
 * requires, and every non-ASCII character as a backslash-u escape of four hex digits (UTF-16, so a
 * character beyond the BMP as its surrogate pair); so the text goes to standard output as bytes, without an
 * encoder. Doubles as {@link Double#toString}, which is valid JSON for finite values.
 */
final class JsonWriter {

    private final PrintWriter out;
    private final StringBuilder buf = new StringBuilder(1 << 16);
    /** Per open object/array: whether the next member needs a comma first. */
    private boolean[] comma = new boolean[16];
    private int depth;

    JsonWriter(PrintWriter out) {
        this.out = out;
    }

    private void separator() {
        if (depth > 0) {
            if (comma[depth]) buf.append(',');
            comma[depth] = true;
        }
    }

    private void open(char c) {
        buf.append(c);
        if (++depth == comma.length) comma = java.util.Arrays.copyOf(comma, depth * 2);
        comma[depth] = false;
    }

    private void name(String name) {
        separator();
        quote(name);
        buf.append(':');
    }

    void writeStartObject() {
        separator();
        open('{');
    }

    void writeEndObject() {
        depth--;
        buf.append('}');
    }

    void writeEndArray() {
        depth--;
        buf.append(']');
    }

    void writeObjectFieldStart(String name) {
        name(name);
        open('{');
    }

    void writeArrayFieldStart(String name) {
        name(name);
        open('[');
    }

    void writeStringField(String name, String value) {
        name(name);
        quote(value);
    }

    void writeNumberField(String name, long value) {
        name(name);
        buf.append(value);
    }

    void writeNumberField(String name, double value) {
        if (!Double.isFinite(value)) throw new IllegalArgumentException(name + " is " + value + ": not a JSON number");
        name(name);
        buf.append(value);
    }

    void writeNullField(String name) {
        name(name);
        buf.append("null");
    }

    void writeNumber(long value) {
        separator();
        buf.append(value);
    }

    void writeString(String value) {
        separator();
        quote(value);
    }

    void flush() {
        if (out instanceof WeightbenchCommand.Stdout stdout) {
            stdout.writeAscii(buf);
        } else {
            out.append(buf);
            out.flush();
        }
        buf.setLength(0);
    }

    private void quote(String s) {
        buf.append('"');
        int n = s.length();
        int plain = 0;
        while (plain < n) {
            char c = s.charAt(plain);
            if (c < 0x20 || c == '"' || c == '\\' || c > 0x7e) break;
            plain++;
        }
        if (plain == n) {
            buf.append(s);
        } else {
            buf.append(s, 0, plain);
            for (int i = plain; i < n; i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> buf.append("\\\"");
                    case '\\' -> buf.append("\\\\");
                    case '\n' -> buf.append("\\n");
                    case '\r' -> buf.append("\\r");
                    case '\t' -> buf.append("\\t");
                    default -> {
                        if (c < 0x20 || c > 0x7e) {
                            buf.append("\\u");
                            for (int shift = 12; shift >= 0; shift -= 4) buf.append(HEX[(c >> shift) & 0xf]);
                        } else {
                            buf.append(c);
                        }
                    }
                }
            }
        }
        buf.append('"');
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();
}
