package io.weightbench.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightbench.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One architecture of the catalog as {@code scripts/make_timm_catalog.py} stored it: its
 * state_dict entries with the dims that follow timm's options written symbolically, and what
 * the generator recorded about it (family, default num_classes and input size, which options
 * timm allows). {@link #spec} derives the state_dict for a set of options.
 */
public final class CatalogModel {

    /** num_classes, in_chans: the options a dim may follow. */
    enum Var { NC, IC }

    /** A dim: {@code a * var + b}, or the constant {@code b} when var is null. */
    record Dim(Var var, long a, long b) {
        long value(long nc, long ic) {
            return var == null ? b : a * (var == Var.NC ? nc : ic) + b;
        }

        @Override
        public String toString() {
            if (var == null) return Long.toString(b);
            String v = var == Var.NC ? "nc" : "ic";
            return (a == 1 ? v : a + "*" + v) + (b == 0 ? "" : b > 0 ? "+" + b : Long.toString(b));
        }
    }

    /**
     * One stored entry. {@code headOnly}: gone with num_classes=0; {@code noHeadOnly}: only with
     * num_classes=0; {@code featuresKey}: its key under features_only (null: absent there);
     * {@code featuresOnly}: present only under features_only.
     */
    record Row(String key, Dim[] dims, DType dtype, boolean buffer, boolean headOnly, boolean noHeadOnly,
               String featuresKey, boolean featuresOnly) {}

    /** A pretrained tag ({@code convnext_tiny.fb_in22k}) and what timm's pretrained_cfg says of it. */
    public record Pretrained(String name, JsonNode cfg) {}

    /** A key of a derived state_dict: its spec and whether it is a buffer (else a parameter). */
    public record Tensor(TensorSpec spec, boolean buffer) {}

    private final String name;
    private final CatalogFile.Block metaLine;
    private final CatalogFile file;
    private final Optional<String> sameAs;
    private volatile JsonNode meta;
    private final int[][] signatures;
    private final CatalogFile.Block tagLines;
    private volatile List<Row> rows;

    CatalogModel(String name, CatalogFile.Block metaLine, CatalogFile file, int[][] signatures, CatalogFile.Block tagLines) {
        this.name = name;
        this.metaLine = metaLine;
        this.file = file;
        this.sameAs = Optional.ofNullable(file.metaScalar(metaLine, "same_as"));
        this.signatures = signatures;
        this.tagLines = tagLines;
    }

    /** What the generator recorded (the M line's JSON), parsed at the first call: its arrays and objects ({@link #scalar} reads the rest). */
    private JsonNode meta() {
        JsonNode m = meta;
        if (m == null) meta = m = file.meta(metaLine);
        return m;
    }

    /** A top-level scalar of the metadata as text (numbers and booleans as written), or {@code absent}; without the JSON parser. */
    private String scalar(String field, String absent) {
        String v = file.metaScalar(metaLine, field);
        return v == null ? absent : v;
    }

    /** The stored entries, read at the first call (from the file of an architecture with the same ones, if named). */
    List<Row> rows() {
        List<Row> r = rows;
        if (r == null) rows = r = List.copyOf(CatalogFile.rows(scalar("rows_of", name)));
        return r;
    }

    /** The numbers ({@link Catalog#signatureId}) of the default state_dict's shape signatures, each once, ascending. */
    public int[] signatureIds() { return signatures[0]; }

    /** How many entries of the default state_dict have each of {@link #signatureIds}. */
    public int[] signatureCounts() { return signatures[1]; }

    /** The first architecture of the catalog with the same default state_dict (keys, shapes, dtypes), if not this one. */
    public Optional<String> sameAs() {
        return sameAs;
    }

    /** {@code timm/resnet50}, {@code torchvision/resnet50}. */
    public String name() { return name; }

    public String namespace() { return name.substring(0, name.indexOf('/')); }

    public String shortName() { return name.substring(name.indexOf('/') + 1); }

    public String family() { return scalar("family", ""); }

    public int tensors() { return Integer.parseInt(scalar("tensors", "0")); }

    /** Floating-point values of the default model's state_dict. */
    public long values() { return Long.parseLong(scalar("values", "0")); }

    /** The default num_classes, if the architecture has one (timm). */
    public Optional<Integer> numClasses() {
        String nc = scalar("num_classes", "null");
        return nc.equals("null") ? Optional.empty() : Optional.of(Integer.parseInt(nc));
    }

    public List<Integer> inputSize() {
        List<Integer> out = new ArrayList<>();
        for (JsonNode d : meta().path("input_size")) out.add(d.asInt());
        return out;
    }

    public boolean allowsNumClasses() { return scalar("num_classes_option", "false").equals("true"); }

    public boolean allowsInChans() { return scalar("in_chans_option", "false").equals("true"); }

    public boolean allowsFeaturesOnly() { return scalar("features", "false").equals("true"); }

    /** Why timm (or the generator) refuses an option for this architecture, by option. */
    public JsonNode unsupported() { return meta().path("unsupported"); }

    /** The names of buffers that are not in the state_dict (registered with persistent=False). */
    public List<String> nonPersistentBuffers() {
        List<String> out = new ArrayList<>();
        for (JsonNode b : meta().path("non_persistent")) out.add(b.asText());
        return out;
    }

    /** The pretrained tags timm knows for this architecture, with their pretrained_cfg. */
    public List<Pretrained> pretrained() { return file.pretrained(tagLines); }

    /** How many pretrained tags, without parsing them. */
    public int pretrainedCount() { return file.pretrainedCount(tagLines); }

    /**
     * The num_classes ({@code "num_classes"}) or in_chans ({@code "in_chans"}) that gives {@code key}
     * this shape, the other dims as by default; empty when no value does (or the key follows
     * neither option). How identify reads a resized head or a one-channel stem.
     */
    public java.util.OptionalLong optionFor(String key, List<Long> shape, String option) {
        Var var = option.equals("num_classes") ? Var.NC : Var.IC;
        if (var == Var.NC ? !allowsNumClasses() : !allowsInChans()) return java.util.OptionalLong.empty();
        long nc = numClasses().orElse(0);
        for (Row r : rows()) {
            if (!r.key().equals(key) || r.featuresOnly() || r.dims().length != shape.size()) continue;
            Long found = null;
            for (int i = 0; i < shape.size(); i++) {
                Dim d = r.dims()[i];
                if (d.var() == var) {
                    long rest = shape.get(i) - d.b();
                    if (rest % d.a() != 0 || rest / d.a() < 1) return java.util.OptionalLong.empty();
                    if (found != null && found != rest / d.a()) return java.util.OptionalLong.empty();
                    found = rest / d.a();
                } else if (d.value(nc, 3) != shape.get(i)) {
                    return java.util.OptionalLong.empty();
                }
            }
            return found == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(found);
        }
        return java.util.OptionalLong.empty();
    }

    /** The state_dict for these options (already checked against what the architecture allows). */
    public List<Tensor> spec(CatalogOptions o) {
        long nc = o.numClasses().orElse(numClasses().orElse(0));
        long ic = o.inChans().orElse(3);
        String prefix = scalar("features_prefix", "");
        List<Row> rows = rows();
        List<Tensor> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (r.headOnly() && nc == 0 || r.noHeadOnly() && nc != 0) continue;
            String key;
            if (o.featuresOnly()) {
                if (r.featuresKey() == null) continue;
                key = prefix + r.featuresKey();
            } else {
                if (r.featuresOnly()) continue;
                key = r.key();
            }
            long[] shape = new long[r.dims().length];
            for (int i = 0; i < shape.length; i++) shape[i] = r.dims()[i].value(nc, ic);
            out.add(new Tensor(TensorSpec.of(key, shape, r.dtype()), r.buffer()));
        }
        return out;
    }
}
