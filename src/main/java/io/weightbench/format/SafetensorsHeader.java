package io.weightbench.format;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A strict parser for the one JSON shape a safetensors header has: an object whose members are
 * {@code "__metadata__"} (an object of strings) or tensor entries ({@code {"dtype": "F32", "shape":
 * [...], "data_offsets": [begin, end]}}), other members' values skipped. Written for this shape
 * alone because a header lists thousands of tensors and a short-lived JVM parses it once: a
 * general JSON library spends most of that time warming up. Invalid JSON, invalid UTF-8, duplicate
 * names, negative or fractional integers and nesting deeper than 64 are errors.
 */
final class SafetensorsHeader {

    /** What a member of the header is, handed to the caller as it is parsed. */
    interface Visitor {
        void metadata(String key, String value) throws FormatException;

        void tensor(String key, String dtype, long[] shape, long[] offsets) throws FormatException;
    }

    private static final int MAX_DEPTH = 64;
    private static final int MAX_DIMS = 64;

    private final byte[] b;
    private int i;

    private SafetensorsHeader(byte[] bytes) {
        this.b = bytes;
    }

    static void parse(byte[] header, Visitor visitor) throws FormatException {
        new SafetensorsHeader(header).header(visitor);
    }

    private void header(Visitor v) throws FormatException {
        ws();
        expect('{', "the header is not a JSON object");
        Set<String> seen = new HashSet<>();
        ws();
        if (peek() == '}') {
            i++;
        } else {
            while (true) {
                ws();
                String key = string();
                if (!seen.add(key)) throw error("duplicate entry '" + key + "'");
                ws();
                expect(':', "expected ':' after '" + key + "'");
                ws();
                if (key.equals("__metadata__")) metadata(v);
                else entry(key, v);
                ws();
                int c = next();
                if (c == '}') break;
                if (c != ',') throw error("expected ',' or '}' after entry '" + key + "'");
            }
        }
        ws();
        if (i != b.length) throw new FormatException("safetensors header has trailing content after its JSON object");
    }

    private void metadata(Visitor v) throws FormatException {
        if (peek() != '{') throw new FormatException("safetensors __metadata__ is not an object");
        i++;
        ws();
        if (peek() == '}') {
            i++;
            return;
        }
        Set<String> seen = new HashSet<>();
        while (true) {
            ws();
            String k = string();
            if (!seen.add(k)) throw error("duplicate __metadata__ key '" + k + "'");
            ws();
            expect(':', "expected ':' in __metadata__");
            ws();
            if (peek() == '"') {
                v.metadata(k, string());
            } else {
                skipValue(1);
                v.metadata(k, "(not a string)");
            }
            ws();
            int c = next();
            if (c == '}') return;
            if (c != ',') throw error("expected ',' or '}' in __metadata__");
        }
    }

    private void entry(String key, Visitor v) throws FormatException {
        if (peek() != '{') throw new FormatException("safetensors entry '" + key + "' is not an object");
        i++;
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        ws();
        if (peek() == '}') {
            i++;
        } else {
            Set<String> seen = new HashSet<>(4);
            while (true) {
                ws();
                String field = string();
                if (!seen.add(field)) throw error("entry '" + key + "' repeats '" + field + "'");
                ws();
                expect(':', "expected ':' in entry '" + key + "'");
                ws();
                switch (field) {
                    case "dtype" -> {
                        if (peek() == '"') dtype = string();
                        else skipValue(1);
                    }
                    case "shape" -> shape = longs(key, "shape");
                    case "data_offsets" -> offsets = longs(key, "data_offsets");
                    default -> skipValue(1);
                }
                ws();
                int c = next();
                if (c == '}') break;
                if (c != ',') throw error("expected ',' or '}' in entry '" + key + "'");
            }
        }
        if (dtype == null || shape == null || offsets == null || offsets.length != 2) {
            throw new FormatException("safetensors entry '" + key + "' lacks dtype, shape or data_offsets");
        }
        v.tensor(key, dtype, shape, offsets);
    }

    private long[] longs(String key, String what) throws FormatException {
        if (peek() != '[') throw new FormatException("safetensors entry '" + key + "' has a " + what + " that is not a list");
        i++;
        long[] out = new long[4];
        int n = 0;
        ws();
        if (peek() == ']') {
            i++;
            return new long[0];
        }
        while (true) {
            ws();
            int start = i;
            long value = 0;
            boolean digits = false;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                int d = b[i++] - '0';
                if (value > (Long.MAX_VALUE - d) / 10) throw new FormatException("safetensors entry '" + key + "' has a bad " + what + " value (too large)");
                value = value * 10 + d;
                digits = true;
            }
            if (!digits || (i < b.length && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')) || (i - start > 1 && b[start] == '0')) {
                throw new FormatException("safetensors entry '" + key + "' has a bad " + what + " value " + token(start));
            }
            if (n == MAX_DIMS + 1) throw new FormatException("safetensors entry '" + key + "' has more than " + MAX_DIMS + " " + what + " values");
            if (n == out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
            out[n++] = value;
            ws();
            int c = next();
            if (c == ']') return java.util.Arrays.copyOf(out, n);
            if (c != ',') throw error("expected ',' or ']' in the " + what + " of '" + key + "'");
        }
    }

    private String token(int start) {
        int end = start;
        while (end < b.length && end - start < 20 && b[end] != ',' && b[end] != ']' && b[end] != '}') end++;
        return new String(b, start, end - start, StandardCharsets.UTF_8).trim();
    }

    /** Skips any JSON value, checking its syntax. */
    private void skipValue(int depth) throws FormatException {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        ws();
        int c = peek();
        switch (c) {
            case '"' -> string();
            case '{' -> {
                i++;
                ws();
                if (peek() == '}') {
                    i++;
                    return;
                }
                while (true) {
                    ws();
                    string();
                    ws();
                    expect(':', "expected ':'");
                    skipValue(depth + 1);
                    ws();
                    int d = next();
                    if (d == '}') return;
                    if (d != ',') throw error("expected ',' or '}'");
                }
            }
            case '[' -> {
                i++;
                ws();
                if (peek() == ']') {
                    i++;
                    return;
                }
                while (true) {
                    skipValue(depth + 1);
                    ws();
                    int d = next();
                    if (d == ']') return;
                    if (d != ',') throw error("expected ',' or ']'");
                }
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void literal(String word) throws FormatException {
        for (int k = 0; k < word.length(); k++) {
            if (i >= b.length || b[i++] != word.charAt(k)) throw error("not JSON");
        }
    }

    private void number() throws FormatException {
        int start = i;
        if (i < b.length && b[i] == '-') i++;
        int intStart = i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') i++;
        if (i == intStart || (i - intStart > 1 && b[intStart] == '0')) throw error("not JSON");
        if (i < b.length && b[i] == '.') {
            int f = ++i;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') i++;
            if (i == f) throw error("not JSON");
        }
        if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < b.length && (b[i] == '+' || b[i] == '-')) i++;
            int e = i;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') i++;
            if (i == e) throw error("not JSON");
        }
        if (i == start) throw error("not JSON");
    }

    /** A JSON string; ASCII without escapes (every tensor name in practice) takes the short way. */
    private String string() throws FormatException {
        if (peek() != '"') throw error("expected a string");
        int start = ++i;
        boolean plain = true;
        while (true) {
            if (i >= b.length) throw error("unterminated string");
            int c = b[i];
            if (c == '"') break;
            if (c == '\\' || c < 0x20) {
                plain = false;
                break;
            }
            if (c < 0) plain = false; // non-ASCII: decoded (and checked) below
            i++;
        }
        if (plain) {
            String s = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
            i++;
            return s;
        }
        return slowString(start);
    }

    private String slowString(int start) throws FormatException {
        i = start;
        StringBuilder sb = new StringBuilder();
        List<Byte> pending = new ArrayList<>();
        while (true) {
            if (i >= b.length) throw error("unterminated string");
            int c = b[i] & 0xff;
            if (c == '"') {
                flush(pending, sb);
                i++;
                return sb.toString();
            }
            if (c < 0x20) throw error("control character in a string");
            if (c == '\\') {
                flush(pending, sb);
                if (++i >= b.length) throw error("unterminated string");
                int e = b[i++];
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (i + 4 > b.length) throw error("bad \\u escape");
                        int u = 0;
                        for (int k = 0; k < 4; k++) {
                            int h = Character.digit(b[i++], 16);
                            if (h < 0) throw error("bad \\u escape");
                            u = u * 16 + h;
                        }
                        sb.append((char) u);
                    }
                    default -> throw error("bad escape \\" + (char) e);
                }
            } else {
                pending.add(b[i++]);
            }
        }
    }

    private void flush(List<Byte> pending, StringBuilder sb) throws FormatException {
        if (pending.isEmpty()) return;
        byte[] raw = new byte[pending.size()];
        for (int k = 0; k < raw.length; k++) raw[k] = pending.get(k);
        pending.clear();
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            sb.append(cb);
        } catch (CharacterCodingException e) {
            throw error("invalid UTF-8 in a string");
        }
    }

    private void ws() {
        while (i < b.length) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            i++;
        }
    }

    private int peek() throws FormatException {
        if (i >= b.length) throw error("the header ends early");
        return b[i];
    }

    private int next() throws FormatException {
        if (i >= b.length) throw error("the header ends early");
        return b[i++];
    }

    private void expect(char c, String message) throws FormatException {
        if (i >= b.length || b[i] != c) throw error(message);
        i++;
    }

    private FormatException error(String what) {
        return new FormatException("safetensors header is not valid JSON: " + what + " (at byte " + i + ")");
    }
}
