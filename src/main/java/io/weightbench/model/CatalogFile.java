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
 * Reads the catalog resource that {@code scripts/make_timm_catalog.py} writes (its docstring
 * describes the line format): one {@code M} line per architecture with its metadata, its {@code T}
 * and {@code X} lines (state_dict entries), or an {@code S} line naming an earlier architecture
 * with the same entries, and {@code P} lines for its pretrained tags. Read once, on first use:
 * the M lines are parsed then; an architecture's entries and tags when they are first asked for,
 * and {@link #signatures} scans the entries' bytes without building them.
 */
final class CatalogFile {

    static final String RESOURCE = "/io/weightbench/model/catalog.txt";

    /** The file's bytes (ASCII). */
    private final byte[] text;
    private final Map<String, CatalogModel> models;

    private CatalogFile(byte[] text, Map<String, CatalogModel> models) {
        this.text = text;
        this.models = models;
    }

    /** Loaded at the first call, not with the class (start-up and --help never pay for it). */
    private static final class Holder {
        static final CatalogFile INSTANCE = load();

        private static CatalogFile load() {
            try (InputStream in = CatalogFile.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("the model catalog " + RESOURCE + " is missing from the jar");
                return parse(in.readAllBytes());
            } catch (IOException e) {
                throw new IllegalStateException("the model catalog " + RESOURCE + " cannot be read: " + e.getMessage(), e);
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

    /** Where an architecture's lines are: its entries (T and X lines) and its P lines, as byte ranges. */
    record Block(int start, int end) {}

    static CatalogFile parse(byte[] text) throws IOException {
        Map<String, CatalogModel> out = new LinkedHashMap<>();
        CatalogFile file = new CatalogFile(text, Collections.unmodifiableMap(out));
        Map<String, Integer> indexOf = new HashMap<>();
        List<int[]> models = new ArrayList<>(); // per M: its line's start and end, its rows' start and end (or -1: the S line's), tags' start and end
        Map<Integer, Block> sameRows = new HashMap<>();
        int[] current = null;
        int lineNo = 0;
        for (int pos = 0; pos < text.length; ) {
            int start = pos;
            int end = indexOf(text, (byte) '\n', pos, text.length);
            pos = end + 1;
            lineNo++;
            if (end == start || text[start] == '#') continue;
            byte kind = text[start];
            try {
                if (kind != 'M' && current == null) throw new IOException("an entry before any M line");
                switch (kind) {
                    case 'M' -> {
                        current = new int[] {start, end, end + 1, end + 1, end + 1, end + 1};
                        int tab = indexOf(text, (byte) '\t', start, end);
                        indexOf.put(new String(text, start + 2, tab - start - 2, StandardCharsets.ISO_8859_1), models.size());
                        models.add(current);
                    }
                    case 'S' -> {
                        Integer same = indexOf.get(new String(text, start + 2, end - start - 2, StandardCharsets.ISO_8859_1));
                        if (same == null || same == models.size() - 1) throw new IOException("S names an architecture not before it");
                        int[] other = models.get(same);
                        sameRows.put(models.size() - 1, sameRows.getOrDefault(same, new Block(other[2], other[3])));
                        current[4] = current[5] = end + 1;
                    }
                    case 'T', 'X' -> current[3] = current[4] = current[5] = end + 1;
                    case 'P' -> current[5] = end + 1;
                    default -> throw new IOException("unknown line kind '" + (char) kind + "'");
                }
            } catch (IOException | RuntimeException e) {
                throw new IOException(RESOURCE + " line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        for (int i = 0; i < models.size(); i++) {
            int[] m = models.get(i);
            int tab = indexOf(text, (byte) '\t', m[0], m[1]);
            String name = new String(text, m[0] + 2, tab - m[0] - 2, StandardCharsets.ISO_8859_1);
            JsonNode meta = JsonTree.read(Arrays.copyOfRange(text, tab + 1, m[1]));
            Block rows = sameRows.getOrDefault(i, new Block(m[2], m[3]));
            out.put(name, new CatalogModel(name, meta, file, rows, new Block(m[4], m[5])));
        }
        return file;
    }

    private static int indexOf(byte[] b, byte c, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] == c) return i;
        return to;
    }

    private String string(int from, int to) {
        return new String(text, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** The T and X lines of a block as rows. */
    List<CatalogModel.Row> rows(Block b) {
        List<CatalogModel.Row> out = new ArrayList<>();
        Map<String, DType> dtypes = new HashMap<>();
        for (int pos = b.start(); pos < b.end(); ) {
            int end = indexOf(text, (byte) '\n', pos, b.end());
            try {
                out.add(row(string(pos, end), dtypes));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException(RESOURCE + ": bad entry '" + string(pos, end) + "': " + e.getMessage(), e);
            }
            pos = end + 1;
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
                throw new UncheckedIOException(RESOURCE + ": bad pretrained line: " + e.getMessage(), e);
            }
            pos = end + 1;
        }
        return out;
    }

    int pretrainedCount(Block b) {
        int count = 0;
        for (int i = b.start(); i < b.end(); i++) if (text[i] == '\n') count++;
        return count;
    }

    /**
     * Per entry of the default state_dict (default num_classes, in_chans 3, not features_only):
     * {@link Signatures#of} of its shape and dtype, and in {@code keyed} the same mixed with its
     * key. Scans the block's bytes without building rows (identify indexes all 1,400 at once).
     */
    long[][] signatures(Block b, long nc) {
        long[] sig = new long[64];
        long[] keyed = new long[64];
        int count = 0;
        for (int pos = b.start(); pos < b.end(); ) {
            int end = indexOf(text, (byte) '\n', pos, b.end());
            int t1 = indexOf(text, (byte) '\t', pos, end);
            int t2 = indexOf(text, (byte) '\t', t1 + 1, end);
            boolean symbolic = false;
            for (int i = t1 + 1; i < t2; i++) if (text[i] == 'c') symbolic = true;
            // the flags: which options keep the entry, and its dtype (float32 unless named)
            boolean include = true;
            int dtypeFrom = -1;
            int dtypeTo = -1;
            for (int f = t2 + 1; f < end; ) {
                int fe = indexOf(text, (byte) ' ', f, end);
                int len = fe - f;
                byte c0 = text[f];
                if (c0 == 'h') {
                    include &= len == 1 ? nc != 0 : nc == 0;
                } else if (c0 == 'f') {
                    if (len == 2 && text[f + 1] == '+') include = false;
                } else if (!(len == 1 && c0 == 'b')) {
                    dtypeFrom = f;
                    dtypeTo = fe;
                }
                f = fe + 1;
            }
            if (include) {
                long h;
                if (symbolic) {
                    StringBuilder sb = new StringBuilder();
                    for (String d : string(t1 + 1, t2).split(",")) {
                        if (sb.length() > 0) sb.append(',');
                        sb.append(CatalogFile.dim(d).value(nc, 3));
                    }
                    h = Signatures.shape(sb);
                } else {
                    h = Signatures.FNV_OFFSET;
                    for (int i = t1 + 1; i < t2; i++) h = (h ^ (text[i] & 0xff)) * Signatures.FNV_PRIME;
                }
                h = (h ^ '|') * Signatures.FNV_PRIME;
                if (dtypeFrom < 0) {
                    h = Signatures.add(h, "float32");
                } else {
                    for (int i = dtypeFrom; i < dtypeTo; i++) h = (h ^ (text[i] & 0xff)) * Signatures.FNV_PRIME;
                }
                long k = Signatures.FNV_OFFSET;
                for (int i = pos + 2; i < t1; i++) k = (k ^ (text[i] & 0xff)) * Signatures.FNV_PRIME;
                if (count == sig.length) {
                    sig = Arrays.copyOf(sig, count * 2);
                    keyed = Arrays.copyOf(keyed, count * 2);
                }
                sig[count] = h;
                keyed[count] = Signatures.mix(k * 31 + h);
                count++;
            }
            pos = end + 1;
        }
        return new long[][] {Arrays.copyOf(sig, count), Arrays.copyOf(keyed, count)};
    }

    private static CatalogModel.Row row(String line, Map<String, DType> dtypes) throws IOException {
        boolean extra = line.charAt(0) == 'X';
        int t1 = line.indexOf('\t');
        int t2 = line.indexOf('\t', t1 + 1);
        String key = line.substring(2, t1);
        String shape = line.substring(t1 + 1, t2);
        CatalogModel.Dim[] dims = shape.isEmpty() ? new CatalogModel.Dim[0] : dims(shape);
        DType dtype = DType.FLOAT32;
        boolean buffer = false;
        boolean headOnly = false;
        boolean noHeadOnly = false;
        boolean featuresOnly = false;
        String featuresKey = key;
        for (String f : line.substring(t2 + 1).split(" ")) {
            if (f.isEmpty()) continue;
            switch (f) {
                case "b" -> buffer = true;
                case "h" -> headOnly = true;
                case "h0" -> noHeadOnly = true;
                case "f-" -> featuresKey = null;
                case "f+" -> featuresOnly = true;
                case "f_" -> featuresKey = flattenFirst(key);
                default -> {
                    if (f.startsWith("f=")) {
                        featuresKey = f.substring(2);
                    } else {
                        DType d = dtypes.computeIfAbsent(f, s -> DType.fromTorchName(s).orElse(null));
                        if (d == null) throw new IOException("unknown flag or dtype '" + f + "'");
                        dtype = d;
                    }
                }
            }
        }
        if (extra && !noHeadOnly && !featuresOnly) throw new IOException("an X line needs h0 or f+");
        return new CatalogModel.Row(key, dims, dtype, buffer, headOnly, noHeadOnly, featuresKey, featuresOnly);
    }

    /** timm's FeatureListNet names a module under a top-level Sequential {@code stem_0}, not {@code stem.0}. */
    private static String flattenFirst(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot) + "_" + key.substring(dot + 1);
    }

    private static CatalogModel.Dim[] dims(String shape) {
        String[] parts = shape.split(",");
        CatalogModel.Dim[] out = new CatalogModel.Dim[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = dim(parts[i]);
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
