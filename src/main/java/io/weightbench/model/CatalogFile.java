package io.weightbench.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.json.JsonTree;
import io.weightbench.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the catalog that {@code scripts/make_timm_catalog.py} writes (its relayout docstring
 * describes the lines): {@code catalog/index.txt} holds every architecture's metadata ({@code M}),
 * the shape signatures of its default state_dict ({@code G}, over the table of {@code Z} lines) and
 * its pretrained tags ({@code P}); {@code catalog/<namespace>/<name>.txt} its entries ({@code T},
 * {@code X}). The index is read once, at first use; an architecture's entries, tags and metadata
 * JSON when they are first asked for (a new process that identifies parses none of the 1,420 JSON
 * objects: bench/README.md).
 */
final class CatalogFile {

    static final String DIR = "/io/weightbench/model/catalog/";
    static final String INDEX = DIR + "index.txt";

    /** The index's bytes (ASCII). */
    private final byte[] text;
    private final Map<String, CatalogModel> models;
    private final Map<String, Integer> signatureIds;

    private CatalogFile(byte[] text, Map<String, CatalogModel> models, Map<String, Integer> signatureIds) {
        this.text = text;
        this.models = models;
        this.signatureIds = signatureIds;
    }

    /** Loaded at the first call, not with the class (start-up and --help never pay for it). */
    private static final class Holder {
        static final CatalogFile INSTANCE = load();

        private static CatalogFile load() {
            try (InputStream in = CatalogFile.class.getResourceAsStream(INDEX)) {
                if (in == null) throw new IllegalStateException("the model catalog " + INDEX + " is missing from the jar");
                return parse(in.readAllBytes());
            } catch (IOException e) {
                throw new IllegalStateException("the model catalog " + INDEX + " cannot be read: " + e.getMessage(), e);
            }
        }
    }

    static CatalogFile get() {
        return Holder.INSTANCE;
    }

    /** Every architecture by its full name, in the file's order. */
    Map<String, CatalogModel> models() {
        return models;
    }

    /** The number of a shape signature ({@code 64,3,7,7}) in the catalog, or -1 when no architecture has it. */
    int signatureId(String signature) {
        Integer id = signatureIds.get(signature);
        return id == null ? -1 : id;
    }

    /** A byte range of the index: an architecture's metadata (JSON) or its P lines. */
    record Block(int start, int end) {}

    static CatalogFile parse(byte[] text) throws IOException {
        Map<String, CatalogModel> out = new LinkedHashMap<>();
        Map<String, Integer> sigs = new HashMap<>();
        CatalogFile file = new CatalogFile(text, Collections.unmodifiableMap(out), sigs);
        String name = null;
        Block meta = null;
        int[][] signatures = {new int[0], new int[0]};
        int tagsStart = 0;
        int lineNo = 0;
        for (int pos = 0; pos < text.length; ) {
            int start = pos;
            int end = indexOf(text, (byte) '\n', pos, text.length);
            pos = end + 1;
            lineNo++;
            if (end == start || text[start] == '#') continue;
            byte kind = text[start];
            try {
                if (kind != 'Z' && kind != 'M' && name == null) throw new IOException("an entry before any M line");
                switch (kind) {
                    case 'Z' -> sigs.put(new String(text, start + 2, end - start - 2, StandardCharsets.ISO_8859_1), sigs.size());
                    case 'M' -> {
                        if (name != null) out.put(name, new CatalogModel(name, meta, file, signatures, new Block(tagsStart, start)));
                        int tab = indexOf(text, (byte) '\t', start, end);
                        name = new String(text, start + 2, tab - start - 2, StandardCharsets.ISO_8859_1);
                        meta = new Block(tab + 1, end);
                        tagsStart = end + 1;
                    }
                    case 'G' -> {
                        signatures = signatureLine(text, start + 2, end);
                        tagsStart = end + 1;
                    }
                    case 'P' -> { }
                    default -> throw new IOException("unknown line kind '" + (char) kind + "'");
                }
            } catch (IOException | RuntimeException e) {
                throw new IOException(INDEX + " line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        if (name != null) out.put(name, new CatalogModel(name, meta, file, signatures, new Block(tagsStart, text.length)));
        return file;
    }

    /** {@code 3*2 17*51}: signature numbers and their counts. */
    private static int[][] signatureLine(byte[] text, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) if (text[i] == '*') n++;
        int[] ids = new int[n];
        int[] counts = new int[n];
        int k = 0;
        int v = 0;
        for (int i = from; i <= to; i++) {
            byte c = i < to ? text[i] : (byte) ' ';
            if (c == '*') {
                ids[k] = v;
                v = 0;
            } else if (c == ' ') {
                if (i > from) counts[k++] = v;
                v = 0;
            } else {
                v = v * 10 + (c - '0');
            }
        }
        return new int[][] {ids, counts};
    }

    private static int indexOf(byte[] b, byte c, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] == c) return i;
        return to;
    }

    private String string(int from, int to) {
        return new String(text, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** The entries (T and X lines) of {@code catalog/<name>.txt}. */
    static List<CatalogModel.Row> rows(String name) {
        String resource = DIR + name + ".txt";
        byte[] bytes;
        try (InputStream in = CatalogFile.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("the model catalog's " + resource + " is missing from the jar");
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("the model catalog's " + resource + " cannot be read: " + e.getMessage(), e);
        }
        List<CatalogModel.Row> out = new ArrayList<>();
        Map<String, DType> dtypes = new HashMap<>();
        for (int pos = 0; pos < bytes.length; ) {
            int end = indexOf(bytes, (byte) '\n', pos, bytes.length);
            int start = pos;
            pos = end + 1;
            if (end == start) continue;
            try {
                out.add(row(bytes, start, end, dtypes));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException(resource + ": bad entry '" + new String(bytes, start, end - start, StandardCharsets.ISO_8859_1)
                        + "': " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The P lines of a block. */
    List<CatalogModel.Pretrained> pretrained(Block b) {
        List<CatalogModel.Pretrained> out = new ArrayList<>();
        for (int pos = b.start(); pos < b.end(); ) {
            int end = indexOf(text, (byte) '\n', pos, b.end());
            int tab = indexOf(text, (byte) '\t', pos, end);
            try {
                out.add(new CatalogModel.Pretrained(string(pos + 2, tab), JsonTree.read(Arrays.copyOfRange(text, tab + 1, end))));
            } catch (IOException e) {
                throw new UncheckedIOException(INDEX + ": bad pretrained line: " + e.getMessage(), e);
            }
            pos = end + 1;
        }
        return out;
    }

    /**
     * An architecture's metadata (the JSON of its M line), parsed when first asked for: a new
     * process that identifies or lists one architecture does not parse 1,400 JSON objects.
     */
    JsonNode meta(Block b) {
        try {
            return JsonTree.read(Arrays.copyOfRange(text, b.start(), b.end()));
        } catch (IOException e) {
            throw new UncheckedIOException(INDEX + ": bad metadata: " + e.getMessage(), e);
        }
    }

    /**
     * A top-level scalar of an M line's metadata without parsing the JSON (a new process that
     * identifies reads a few fields of a dozen architectures, and {@code same_as} of all of them;
     * a cold JSON parser costs more than the rest): a string's text, or a number's, a boolean's or
     * {@code null}'s literal; null when the field is absent or not a scalar. The generator writes
     * compact JSON; a string with an escape is read by the JSON parser.
     */
    String metaScalar(Block b, String field) {
        int depth = 0;
        for (int i = b.start(); i < b.end(); i++) {
            byte c = text[i];
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == '"') {
                int close = stringEnd(i + 1, b.end());
                boolean key = close + 1 < b.end() && text[close + 1] == ':' && depth == 1;
                if (key && close - i - 1 == field.length() && string(i + 1, close).equals(field)) {
                    int v = close + 2;
                    if (v >= b.end()) return null;
                    if (text[v] == '"') {
                        int end = stringEnd(v + 1, b.end());
                        if (indexOf(text, (byte) '\\', v + 1, end) < end) return meta(b).path(field).asText();
                        return string(v + 1, end);
                    }
                    int end = v;
                    while (end < b.end() && text[end] != ',' && text[end] != '}') end++;
                    return text[v] == '{' || text[v] == '[' ? null : string(v, end);
                }
                i = close;
            }
        }
        return null;
    }

    /** The closing quote of a JSON string whose text starts at {@code from}. */
    private int stringEnd(int from, int to) {
        for (int i = from; i < to; i++) {
            if (text[i] == '\\') i++;
            else if (text[i] == '"') return i;
        }
        return to;
    }

    int pretrainedCount(Block b) {
        int count = 0;
        for (int i = b.start(); i < b.end(); i++) if (text[i] == '\n') count++;
        return count;
    }

    /**
     * One T or X line, read from its bytes (a new process reads a dozen files of ~300 lines when it
     * identifies, interpreted: no split, no substring per field).
     */
    private static CatalogModel.Row row(byte[] b, int from, int to, Map<String, DType> dtypes) throws IOException {
        boolean extra = b[from] == 'X';
        int t1 = indexOf(b, (byte) '\t', from, to);
        int t2 = indexOf(b, (byte) '\t', t1 + 1, to);
        if (t1 >= to || t2 >= to) throw new IOException("expected three tab-separated fields");
        String key = new String(b, from + 2, t1 - from - 2, StandardCharsets.ISO_8859_1);
        CatalogModel.Dim[] dims = dims(b, t1 + 1, t2);
        DType dtype = DType.FLOAT32;
        boolean buffer = false;
        boolean headOnly = false;
        boolean noHeadOnly = false;
        boolean featuresOnly = false;
        String featuresKey = key;
        for (int i = t2 + 1; i < to; ) {
            int end = indexOf(b, (byte) ' ', i, to);
            int len = end - i;
            if (len == 1 && b[i] == 'b') {
                buffer = true;
            } else if (len > 0) {
                String f = new String(b, i, len, StandardCharsets.ISO_8859_1);
                switch (f) {
                    case "h" -> headOnly = true;
                    case "h0" -> noHeadOnly = true;
                    case "f-" -> featuresKey = null;
                    case "f+" -> featuresOnly = true;
                    case "f_" -> featuresKey = flattenFirst(key);
                    default -> {
                        if (f.startsWith("f=")) {
                            featuresKey = f.substring(2);
                        } else {
                            DType d = dtypes.computeIfAbsent(f, x -> DType.fromTorchName(x).orElse(null));
                            if (d == null) throw new IOException("unknown flag or dtype '" + f + "'");
                            dtype = d;
                        }
                    }
                }
            }
            i = end + 1;
        }
        if (extra && !noHeadOnly && !featuresOnly) throw new IOException("an X line needs h0 or f+");
        return new CatalogModel.Row(key, dims, dtype, buffer, headOnly, noHeadOnly, featuresKey, featuresOnly);
    }

    /** timm's FeatureListNet names a module under a top-level Sequential {@code stem_0}, not {@code stem.0}. */
    private static String flattenFirst(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot) + "_" + key.substring(dot + 1);
    }

    /** {@code 64,ic,3,3}: digits read in place, a dim with nc or ic by {@link #dim}. */
    private static CatalogModel.Dim[] dims(byte[] b, int from, int to) {
        if (from >= to) return new CatalogModel.Dim[0];
        int n = 1;
        for (int i = from; i < to; i++) if (b[i] == ',') n++;
        CatalogModel.Dim[] out = new CatalogModel.Dim[n];
        int k = 0;
        for (int i = from; i <= to; i++) {
            int end = indexOf(b, (byte) ',', i, to);
            long v = 0;
            boolean digits = end > i;
            for (int j = i; j < end && digits; j++) {
                digits = b[j] >= '0' && b[j] <= '9';
                v = v * 10 + (b[j] - '0');
            }
            out[k++] = digits ? new CatalogModel.Dim(null, 0, v) : dim(new String(b, i, end - i, StandardCharsets.ISO_8859_1));
            i = end;
        }
        return out;
    }

    /** {@code 64}, {@code nc}, {@code ic}, {@code 16*ic}, {@code nc+1}, {@code 2*nc-3}. */
    static CatalogModel.Dim dim(String s) {
        int v = s.indexOf("nc") >= 0 ? s.indexOf("nc") : s.indexOf("ic");
        if (v < 0) return new CatalogModel.Dim(null, 0, Long.parseLong(s));
        CatalogModel.Var var = s.startsWith("nc", v) ? CatalogModel.Var.NC : CatalogModel.Var.IC;
        long a = v == 0 ? 1 : Long.parseLong(s.substring(0, v - 1));
        String rest = s.substring(v + 2);
        long b = rest.isEmpty() ? 0 : Long.parseLong(rest.startsWith("+") ? rest.substring(1) : rest);
        return new CatalogModel.Dim(var, a, b);
    }
}
