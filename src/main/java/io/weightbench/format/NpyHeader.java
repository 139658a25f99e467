package io.weightbench.format;

import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The header of a {@code .npy} array: magic, version, and a Python dict literal giving dtype,
 * order and shape. Fortran-ordered arrays become tensors with column-major strides.
 */
final class NpyHeader {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy's own limit ({@code max_header_size}, numpy >= 1.24): it refuses longer headers too. */
    static final int MAX_HEADER = 10_000;

    private NpyHeader() {}

    static boolean hasMagic(byte[] head) {
        if (head.length < MAGIC.length) return false;
        for (int i = 0; i < MAGIC.length; i++) if (head[i] != MAGIC[i]) return false;
        return true;
    }

    /** Reads the header of the array in {@code src} and returns a lazy tensor over its data. */
    static TensorData read(String name, ByteSource src) throws IOException {
        if (src.size() < 10) throw new FormatException(name + ": .npy data of " + src.size() + " bytes is too short");
        byte[] pre = new byte[12];
        src.read(0, pre, 0, (int) Math.min(12, src.size()));
        if (!hasMagic(pre)) throw new FormatException(name + ": not a .npy array (bad magic)");
        int major = pre[6] & 0xff;
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = (pre[8] & 0xff) | ((pre[9] & 0xff) << 8);
            start = 10;
        } else if (major == 2 || major == 3) {
            headerLen = (pre[8] & 0xffL) | ((pre[9] & 0xffL) << 8) | ((pre[10] & 0xffL) << 16) | ((pre[11] & 0xffL) << 24);
            start = 12;
        } else {
            throw new FormatException(name + ": unsupported .npy version " + major);
        }
        if (start + headerLen > src.size()) {
            throw new FormatException(name + ": .npy header of " + headerLen + " bytes runs past the end of the data");
        }
        if (headerLen > MAX_HEADER) {
            throw new FormatException(name + ": .npy header of " + headerLen + " bytes is over numpy's limit of " + MAX_HEADER);
        }
        byte[] h = new byte[(int) headerLen];
        src.read(start, h, 0, h.length);
        String header = new String(h, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = Literal.parseDict(name, header);
        Object descrValue = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shapeValue = dict.get("shape");
        if (descrValue instanceof List<?>) {
            throw new FormatException(name + ": .npy dtype is not a simple type (structured arrays are not read)");
        }
        if (!(descrValue instanceof String descr)) throw new FormatException(name + ": .npy header has no 'descr' string");
        if (!(fortran instanceof Boolean)) throw new FormatException(name + ": .npy header lacks fortran_order (True or False)");
        if (!(shapeValue instanceof List<?> shapeItems)) throw new FormatException(name + ": .npy header lacks a shape tuple");
        if (descr.contains("O")) throw new FormatException(name + ": .npy array of Python objects (needs pickle; not read)");
        Optional<DType> dtype = DType.fromNumpyDescr(descr);
        if (dtype.isEmpty()) throw new FormatException(name + ": .npy dtype '" + Literal.shorten(descr) + "' is not supported");
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        List<Long> dims = new ArrayList<>();
        for (Object v : shapeItems) {
            if (!(v instanceof Long l) || l < 0) {
                throw new FormatException(name + ": .npy shape has a bad dimension '" + Literal.shorten(String.valueOf(v)) + "'");
            }
            dims.add(l);
        }
        if (dims.size() > 64) throw new FormatException(name + ": .npy shape has " + dims.size() + " dimensions (numpy allows 64)");
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long numel = 1;
        try {
            for (long v : shape) numel = Math.multiplyExact(numel, v);
            Math.multiplyExact(numel, (long) dtype.get().itemSize());
        } catch (ArithmeticException e) {
            throw new FormatException(name + ": .npy shape " + dims + " is impossibly large");
        }
        long dataStart = start + headerLen;
        long need = numel * dtype.get().itemSize();
        if (dataStart + need > src.size()) {
            throw new FormatException(name + ": .npy array " + descr + dims + " needs " + need + " bytes but only "
                    + (src.size() - dataStart) + " follow the header (truncated?)");
        }
        Storage storage = new Storage(name, dtype.get(), numel, order, "cpu", src.slice(dataStart, need));
        long[] strides;
        if ((Boolean) fortran) {
            strides = new long[shape.length];
            long st = 1;
            for (int i = 0; i < shape.length; i++) {
                strides[i] = st;
                st *= Math.max(shape[i], 1);
            }
        } else {
            strides = TensorData.contiguousStrides(shape);
        }
        return new TensorData(storage, dtype.get(), shape, strides, 0, Optional.empty());
    }

    /**
     * The Python literal of a header: a dict of strings, True / False / None, integers and
     * tuples or lists of them, parsed in one pass (no regular expressions, nesting at most 8 deep).
     * Errors quote at most 100 characters of it.
     */
    static final class Literal {
        private final String name;
        private final String s;
        private int i;
        private int depth;

        private Literal(String name, String s) {
            this.name = name;
            this.s = s;
        }

        static Map<String, Object> parseDict(String name, String header) throws FormatException {
            Literal p = new Literal(name, header);
            Object v = p.value();
            p.skipSpace();
            if (p.i != header.length() || !(v instanceof Map<?, ?>)) throw p.error("is not a Python dict literal");
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) v;
            return m;
        }

        static String shorten(String text) {
            return text.length() > 100 ? text.substring(0, 100) + "..." : text;
        }

        private FormatException error(String what) {
            int from = Math.max(0, i - 30);
            String near = s.substring(from, Math.min(s.length(), from + 60)).replaceAll("[\\p{Cntrl}]", " ");
            return new FormatException(name + ": .npy header " + what + " (at character " + i + ", near '" + near + "')");
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private Object value() throws FormatException {
            skipSpace();
            if (i >= s.length()) throw error("ends too early");
            char c = s.charAt(i);
            if (c == '{' || c == '(' || c == '[') {
                if (++depth > 8) throw error("nests more than 8 levels");
                Object v = c == '{' ? dict() : sequence(c == '(' ? ')' : ']');
                depth--;
                return v;
            }
            if (c == '\'' || c == '"') return string(c);
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '-' || s.charAt(i) == '+')) i++;
            String word = s.substring(start, i);
            switch (word) {
                case "True": return Boolean.TRUE;
                case "False": return Boolean.FALSE;
                case "None": return null;
                default:
            }
            String digits = word.endsWith("L") ? word.substring(0, word.length() - 1) : word;
            if (digits.isEmpty() || digits.length() > 20) throw error("has an unexpected value");
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("has an unexpected value");
            }
        }

        private String string(char quote) throws FormatException {
            int end = s.indexOf(quote, i + 1);
            if (end < 0) throw error("has an unterminated string");
            String v = s.substring(i + 1, end);
            if (v.indexOf('\\') >= 0) throw error("has an escaped string");
            i = end + 1;
            return v;
        }

        private List<Object> sequence(char close) throws FormatException {
            i++;
            List<Object> out = new ArrayList<>();
            while (true) {
                skipSpace();
                if (i < s.length() && s.charAt(i) == close) {
                    i++;
                    return out;
                }
                out.add(value());
                skipSpace();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                } else if (i >= s.length() || s.charAt(i) != close) {
                    throw error("has a tuple or list without its closing '" + close + "'");
                }
            }
        }

        private Map<String, Object> dict() throws FormatException {
            i++;
            Map<String, Object> out = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (i < s.length() && s.charAt(i) == '}') {
                    i++;
                    return out;
                }
                Object key = value();
                if (!(key instanceof String k)) throw error("has a dict key that is not a string");
                skipSpace();
                if (i >= s.length() || s.charAt(i) != ':') throw error("lacks ':' after a dict key");
                i++;
                if (out.put(k, value()) != null) throw error("repeats the key '" + shorten(k) + "'");
                skipSpace();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                } else if (i >= s.length() || s.charAt(i) != '}') {
                    throw error("has a dict without its closing '}'");
                }
            }
        }
    }
}
