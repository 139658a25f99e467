package io.weightbench.cli;

import java.io.PrintWriter;

/**
 * Compact JSON straight to a writer, for listings of thousands of tensors printed by a short-lived
 * JVM (where a general JSON library's warm-up costs more than the writing). Strings are escaped as
 * RFC 8259 requires: quote, backslash and control characters; everything else is written as is
 * (the writer encodes UTF-8). Doubles as {@link Double#toString}, which is valid JSON for finite values.
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
        out.append(buf);
        buf.setLength(0);
        out.flush();
    }

    private void quote(String s) {
        buf.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> buf.append("\\\"");
                case '\\' -> buf.append("\\\\");
                case '\n' -> buf.append("\\n");
                case '\r' -> buf.append("\\r");
                case '\t' -> buf.append("\\t");
                default -> {
                    if (c < 0x20) buf.append(String.format("\\u%04x", (int) c));
                    else buf.append(c);
                }
            }
        }
        buf.append('"');
    }
}
