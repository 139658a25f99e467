package io.weightbench.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.ByteSource;
import io.weightbench.tensor.DType;
import io.weightbench.tensor.ElementDecoder;
import io.weightbench.tensor.Storage;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A rule that changes the tensors whose current key {@code match} finds a match in, not their
 * keys. Each op holds its whole meaning: JSON ({@code read}, {@link #writeJson}), shapes and dtype
 * ({@link #transform(TensorSpec)}, for compare and suggest) and data ({@link #transform(TensorData,
 * String)}, for export, verify and the workbench). A transform that does not fit a tensor is an
 * error naming the key.
 */
public sealed interface TensorRule extends Rule permits TensorRule.Permute, TensorRule.Transpose, TensorRule.Slice,
        TensorRule.Reshape, TensorRule.Cast, TensorRule.AdaptInputConv, TensorRule.ResamplePosEmbed, TensorRule.Layout,
        TensorRule.Squeeze, TensorRule.Unsqueeze, TensorRule.Flip, TensorRule.ReorderBlocks, TensorRule.UnpermuteRope, TensorRule.Add,
        TensorRule.ReplaceNonFinite {

    KeyPattern match();

    /** The tensor's key, shape and dtype after this rule (its key unchanged). */
    TensorSpec transform(TensorSpec t) throws RuleException;

    /** The tensor's data after this rule: a view where the op allows, else computed in bounded memory. */
    TensorData transform(TensorData t, String key) throws IOException;

    default boolean matches(String key) { return match().find(key); }

    @Override
    default Optional<String> apply(String key) { return Optional.of(key); }

    /** Applies {@code rules} in order to the data of the tensor named {@code key}. */
    static TensorData transformAll(TensorData t, List<TensorRule> rules, String key) throws IOException {
        TensorData out = t;
        for (TensorRule r : rules) {
            if ((out.quantization().isPresent() || out.dtype().isBlockQuantized()) && !(r instanceof Cast)
                    && !(r instanceof ReplaceNonFinite && ReplaceNonFinite.count(out) == 0)) {
                throw new RuleException(r.describe() + ": '" + key + "' is quantized (" + out.dtype()
                        + "); cast it to a float type first, then transform it");
            }
            out = r.transform(out, key);
        }
        return out;
    }

    private static TensorSpec spec(TensorData t, String key) { return TensorSpec.of(key, t.shape(), t.dtype()); }

    private static long[] shapeOf(TensorSpec s) { return s.shape().stream().mapToLong(Long::longValue).toArray(); }

    /** A dimension index as torch reads it: negative counts from the end. */
    private static int dimIndex(String what, TensorSpec t, int dim, int rank) throws RuleException {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) throw new RuleException(what + ": '" + t.key() + "' has " + t.shape().size() + " dimensions (no dimension " + dim + ")");
        return d;
    }

    /** Reorders dimensions: {@code dims[i]} is the source dimension that becomes dimension i (torch's permute). */
    record Permute(KeyPattern match, int[] dims) implements TensorRule {
        public Permute {
            dims = dims.clone();
        }

        public Permute(String match, int[] dims) { this(KeyPattern.literal(match), dims); }

        static Permute read(RuleJson j) throws RuleException { return new Permute(j.pattern("match"), j.ints("dims")); }

        public String op() { return "permute"; }

        public String describe() { return "permute /" + match + "/ " + Arrays.toString(dims); }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source());
            for (int d : dims) o.withArray("dims").add(d);
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            int rank = t.shape().size();
            boolean[] seen = new boolean[rank];
            if (dims.length != rank) throw new RuleException("permute " + Arrays.toString(dims) + ": '" + t.key() + "' has " + rank + " dimensions");
            for (int d : dims) {
                if (d < 0 || d >= rank || seen[d]) throw new RuleException("permute " + Arrays.toString(dims) + " is not a permutation of " + rank + " dimensions");
                seen[d] = true;
            }
            List<Long> shape = new ArrayList<>();
            for (int d : dims) shape.add(t.shape().get(d));
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            transform(spec(t, key));
            long[] shape = t.shape();
            long[] strides = t.strides();
            long[] s2 = new long[dims.length];
            long[] st2 = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                s2[i] = shape[dims[i]];
                st2[i] = strides[dims[i]];
            }
            return new TensorData(t.storage(), t.dtype(), s2, st2, t.storageOffset(), Optional.empty());
        }

        @Override public boolean equals(Object o) { return o instanceof Permute p && p.match.equals(match) && Arrays.equals(p.dims, dims); }

        @Override public int hashCode() { return match.hashCode() * 31 + Arrays.hashCode(dims); }
    }

    /** Swaps two dimensions. */
    record Transpose(KeyPattern match, int dim0, int dim1) implements TensorRule {
        public Transpose(String match, int dim0, int dim1) { this(KeyPattern.literal(match), dim0, dim1); }

        static Transpose read(RuleJson j) throws RuleException { return new Transpose(j.pattern("match"), j.integer("dim0"), j.integer("dim1")); }

        public String op() { return "transpose"; }

        public String describe() { return "transpose /" + match + "/ " + dim0 + "," + dim1; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()).put("dim0", dim0).put("dim1", dim1); }

        private Permute permute(TensorSpec t) throws RuleException {
            int rank = t.shape().size();
            if (dim0 < 0 || dim1 < 0 || dim0 >= rank || dim1 >= rank) {
                throw new RuleException(describe() + ": '" + t.key() + "' has " + rank + " dimensions");
            }
            int[] d = new int[rank];
            for (int i = 0; i < rank; i++) d[i] = i;
            d[dim0] = dim1;
            d[dim1] = dim0;
            return new Permute(match, d);
        }

        public TensorSpec transform(TensorSpec t) throws RuleException { return permute(t).transform(t); }

        public TensorData transform(TensorData t, String key) throws IOException { return permute(spec(t, key)).transform(t, key); }
    }

    /** Keeps {@code start <= i < end} (step {@code step}) along {@code dim}: e.g. the first N classes of a head. */
    record Slice(KeyPattern match, int dim, long start, long end, long step) implements TensorRule {
        public Slice(String match, int dim, long start, long end, long step) { this(KeyPattern.literal(match), dim, start, end, step); }

        static Slice read(RuleJson j) throws RuleException {
            return new Slice(j.pattern("match"), j.integer("dim"), j.longValue("start", 0), j.longValue("end"), j.longValue("step", 1));
        }

        public String op() { return "slice"; }

        public String describe() { return "slice /" + match + "/ dim " + dim + " [" + start + ":" + end + (step == 1 ? "" : ":" + step) + "]"; }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source()).put("dim", dim).put("start", start).put("end", end).put("step", step);
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            if (dim < 0 || dim >= t.shape().size()) throw new RuleException(describe() + ": '" + t.key() + "' has " + t.shape().size() + " dimensions");
            long size = t.shape().get(dim);
            if (step < 1 || start < 0 || end > size || start >= end) {
                throw new RuleException(describe() + ": does not fit '" + t.key() + "' of shape " + t.shape());
            }
            List<Long> shape = new ArrayList<>(t.shape());
            shape.set(dim, (end - start + step - 1) / step);
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            transform(spec(t, key));
            long[] shape = t.shape();
            long[] strides = t.strides();
            long offset = t.storageOffset() + start * strides[dim];
            shape[dim] = (end - start + step - 1) / step;
            strides[dim] *= step;
            return new TensorData(t.storage(), t.dtype(), shape, strides, offset, Optional.empty());
        }
    }

    /** A new shape for the same elements in row-major order; one dimension may be -1. */
    record Reshape(KeyPattern match, long[] shape) implements TensorRule {
        public Reshape {
            shape = shape.clone();
        }

        public Reshape(String match, long[] shape) { this(KeyPattern.literal(match), shape); }

        static Reshape read(RuleJson j) throws RuleException { return new Reshape(j.pattern("match"), j.longs("shape")); }

        public String op() { return "reshape"; }

        public String describe() { return "reshape /" + match + "/ " + Arrays.toString(shape); }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source());
            for (long d : shape) o.withArray("shape").add(d);
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            long numel = 1;
            for (long d : t.shape()) numel *= d;
            long known = 1;
            int free = -1;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == -1) {
                    if (free >= 0) throw new RuleException(describe() + ": only one dimension may be -1");
                    free = i;
                } else if (shape[i] < 0) {
                    throw new RuleException(describe() + ": negative dimension");
                } else {
                    try {
                        known = Math.multiplyExact(known, shape[i]);
                    } catch (ArithmeticException e) {
                        throw new RuleException(describe() + ": the shape's element count overflows");
                    }
                }
            }
            List<Long> out = new ArrayList<>();
            for (long d : shape) out.add(d);
            if (free >= 0) {
                if (known == 0 || numel % known != 0) throw new RuleException(describe() + ": does not fit '" + t.key() + "' of shape " + t.shape());
                out.set(free, numel / known);
            } else if (known != numel) {
                throw new RuleException(describe() + ": '" + t.key() + "' has " + numel + " elements, the new shape " + known);
            }
            return new TensorSpec(t.key(), out, t.dtype());
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            long[] to = shapeOf(transform(spec(t, key)));
            TensorData base = t.isContiguous() ? t : TensorBytes.materialize(t, t.dtype());
            return new TensorData(base.storage(), base.dtype(), to, TensorData.contiguousStrides(to), base.storageOffset(), Optional.empty());
        }

        @Override public boolean equals(Object o) { return o instanceof Reshape r && r.match.equals(match) && Arrays.equals(r.shape, shape); }

        @Override public int hashCode() { return match.hashCode() * 31 + Arrays.hashCode(shape); }
    }

    /** Converts to another dtype the way torch's {@code .to(dtype)} does. */
    record Cast(KeyPattern match, DType dtype) implements TensorRule {
        public Cast(String match, DType dtype) { this(KeyPattern.literal(match), dtype); }

        static Cast read(RuleJson j) throws RuleException {
            String name = j.text("dtype");
            return new Cast(j.pattern("match"), DType.fromTorchName(name).orElseThrow(() -> new RuleException("cast: unknown dtype '" + name + "'")));
        }

        public String op() { return "cast"; }

        public String describe() { return "cast /" + match + "/ to " + dtype; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()).put("dtype", dtype.torchName()); }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            if (dtype.isQuantized() || dtype.isBlockQuantized() || dtype.isComplex() || t.dtype().isComplex() || t.dtype().isQuantized()
                    || (t.dtype().isBlockQuantized() && !dtype.isFloatingPoint())) {
                throw new RuleException(describe() + ": casting '" + t.key() + "' (" + t.dtype() + ") is not supported");
            }
            return new TensorSpec(t.key(), t.shape(), dtype);
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            if (dtype == t.dtype()) return t;
            if (dtype == DType.FLOAT8_E4M3FN || dtype == DType.FLOAT8_E5M2) {
                throw new RuleException(describe() + ": casting to " + dtype + " is not supported yet");
            }
            return TensorBytes.cast(t, dtype);
        }
    }

    /**
     * timm's {@code adapt_input_conv}: a first convolution trained on RGB for {@code inChans} input
     * channels. One channel: the sum over the three (or over each group of three, for space-to-depth
     * stems); N channels: the RGB weights repeated and scaled by 3/N. Computed in float32, then back
     * to the weight's dtype (timm's arithmetic).
     */
    record AdaptInputConv(KeyPattern match, int inChans) implements TensorRule {
        public AdaptInputConv(String match, int inChans) { this(KeyPattern.literal(match), inChans); }

        static AdaptInputConv read(RuleJson j) throws RuleException { return new AdaptInputConv(j.pattern("match"), j.integer("in_chans")); }

        public String op() { return "adapt_input_conv"; }

        public String describe() { return "adapt_input_conv /" + match + "/ to " + inChans + " channels"; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()).put("in_chans", inChans); }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            if (t.shape().size() != 4 || !t.dtype().isFloatingPoint()) {
                throw new RuleException(describe() + ": '" + t.key() + "' is not a floating-point conv weight [out, in, h, w]");
            }
            long in = t.shape().get(1);
            long newIn;
            if (inChans == 1 && in > 3 && in % 3 == 0) newIn = in / 3;
            else if (in == 3 && inChans >= 1) newIn = inChans;
            else throw new RuleException(describe() + ": '" + t.key() + "' has " + in + " input channels; only 3 (or 3k, to 1) can be adapted");
            List<Long> shape = new ArrayList<>(t.shape());
            shape.set(1, newIn);
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            long[] shape = t.shape();
            long[] outShape = shapeOf(transform(spec(t, key)));
            long o = shape[0];
            long in = shape[1];
            long hw = shape[2] * shape[3];
            if (Math.multiplyExact(t.numel(), 4L) > TensorBytes.IN_MEMORY) throw new RuleException(describe() + ": '" + key + "' is too large for a stem convolution");
            float[] w = floats(t);
            long newIn = outShape[1];
            float[] out = new float[(int) (o * newIn * hw)];
            if (inChans == 1) {
                long group = in / newIn; // 3
                for (long oc = 0; oc < o; oc++) {
                    for (long g = 0; g < newIn; g++) {
                        for (long p = 0; p < hw; p++) {
                            float sum = 0;
                            for (long c = 0; c < group; c++) sum += w[(int) ((oc * in + g * group + c) * hw + p)];
                            out[(int) ((oc * newIn + g) * hw + p)] = sum;
                        }
                    }
                }
            } else {
                float scale = (float) (3.0 / inChans);
                for (long oc = 0; oc < o; oc++) {
                    for (long c = 0; c < newIn; c++) {
                        for (long p = 0; p < hw; p++) out[(int) ((oc * newIn + c) * hw + p)] = w[(int) ((oc * in + c % 3) * hw + p)] * scale;
                    }
                }
            }
            return fromFloats("adapted", out, outShape, t.dtype());
        }
    }

    /**
     * Resamples a ViT's absolute position embedding ({@code [1, prefix + h*w, C]} or
     * {@code [prefix + h*w, C]}) to a new grid with bicubic interpolation, as timm's
     * {@code resample_abs_pos_embed} does (torch's {@code F.interpolate}, antialiased by default);
     * the {@code prefixTokens} (class token...) are kept as they are.
     */
    record ResamplePosEmbed(KeyPattern match, int gridH, int gridW, int prefixTokens, boolean antialias) implements TensorRule {
        public ResamplePosEmbed(String match, int gridH, int gridW, int prefixTokens, boolean antialias) {
            this(KeyPattern.literal(match), gridH, gridW, prefixTokens, antialias);
        }

        static ResamplePosEmbed read(RuleJson j) throws RuleException {
            int[] grid = j.ints("grid");
            if (grid.length != 2) throw new RuleException("resample_pos_embed needs \"grid\": [height, width]");
            return new ResamplePosEmbed(j.pattern("match"), grid[0], grid[1], j.integer("prefix_tokens", 1), j.bool("antialias", true));
        }

        public String op() { return "resample_pos_embed"; }

        public String describe() { return "resample_pos_embed /" + match + "/ to " + gridH + "x" + gridW + (antialias ? "" : " (no antialias)"); }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source());
            o.putArray("grid").add(gridH).add(gridW);
            o.put("prefix_tokens", prefixTokens).put("antialias", antialias);
        }

        /** The old grid side, from the token count: the grid must be square. */
        public int oldGrid(TensorSpec t) throws RuleException {
            int rank = t.shape().size();
            if (rank != 2 && rank != 3 || (rank == 3 && t.shape().get(0) != 1) || !t.dtype().isFloatingPoint()) {
                throw new RuleException(describe() + ": '" + t.key() + "' of shape " + t.shape() + " is not a position embedding [1, tokens, dim]");
            }
            long tokens = t.shape().get(rank - 2) - prefixTokens;
            long side = Math.round(Math.sqrt(tokens));
            if (tokens <= 0 || side * side != tokens) {
                throw new RuleException(describe() + ": '" + t.key() + "' has " + tokens + " grid tokens after " + prefixTokens + " prefix tokens: not a square grid");
            }
            return (int) side;
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            oldGrid(t);
            if (gridH < 1 || gridW < 1 || (long) gridH * gridW > Integer.MAX_VALUE / 4) throw new RuleException(describe() + ": the grid must be positive and not huge");
            List<Long> shape = new ArrayList<>(t.shape());
            shape.set(shape.size() - 2, (long) prefixTokens + (long) gridH * gridW);
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            TensorSpec spec = spec(t, key);
            int old = oldGrid(spec);
            long[] outShape = shapeOf(transform(spec));
            long[] shape = t.shape();
            int dim = (int) shape[shape.length - 1];
            int prefix = prefixTokens;
            if (Math.multiplyExact(t.numel(), 4L) > TensorBytes.IN_MEMORY || Math.multiplyExact(numel(outShape), 4L) > TensorBytes.IN_MEMORY) {
                throw new RuleException(describe() + ": '" + key + "' is too large");
            }
            float[] all = floats(t);
            // tokens x dim -> dim x h x w
            float[] grid = new float[dim * old * old];
            for (int p = 0; p < old * old; p++) {
                for (int c = 0; c < dim; c++) grid[c * old * old + p] = all[(prefix + p) * dim + c];
            }
            float[] resized = Bicubic.resize(grid, dim, old, old, gridH, gridW, antialias);
            int n = gridH * gridW;
            float[] out = new float[(prefix + n) * dim];
            System.arraycopy(all, 0, out, 0, prefix * dim);
            for (int p = 0; p < n; p++) {
                for (int c = 0; c < dim; c++) out[(prefix + p) * dim + c] = resized[c * n + p];
            }
            return fromFloats("resampled", out, outShape, t.dtype());
        }
    }

    /**
     * TensorFlow / Keras weight layouts to PyTorch's, chosen per tensor by {@code kind}: {@code dense}
     * ([in, out] -> [out, in]), {@code conv} (Conv1D/2D/3D kernels [k..., in, out] -> [out, in, k...]),
     * {@code conv_transpose} ([k..., out, in] -> [in, out, k...]: the same permutation),
     * {@code depthwise} ([k..., C, m] -> [C*m, 1, k...]), {@code dense_2d} (dense for rank 2, other
     * ranks unchanged: Paddle, whose convolutions already are PyTorch's) or {@code auto}: depthwise
     * where the key says "depthwise", else dense for rank 2 and conv for rank 3 to 5; other ranks
     * pass unchanged. Keys {@code except} finds are left as they are.
     */
    record Layout(KeyPattern match, String kind, Optional<KeyPattern> except) implements TensorRule {
        static final List<String> KINDS = List.of("auto", "dense", "dense_2d", "conv", "conv_transpose", "depthwise");

        public Layout {
            if (!KINDS.contains(kind)) throw new IllegalArgumentException("layout: unknown kind '" + kind + "' (known: " + String.join(", ", KINDS) + ")");
        }

        public Layout(String match, String kind) { this(KeyPattern.literal(match), kind, Optional.empty()); }

        static Layout read(RuleJson j) throws RuleException {
            String kind = j.text("kind", "auto");
            if (!KINDS.contains(kind)) throw new RuleException("layout: unknown kind '" + kind + "' (known: " + String.join(", ", KINDS) + ")");
            return new Layout(j.pattern("match"), kind, j.has("except") ? Optional.of(j.pattern("except")) : Optional.empty());
        }

        public String op() { return "layout"; }

        public String describe() {
            return "layout /" + match + "/" + except.map(e -> " except /" + e + "/").orElse("") + " " + kind + " (TensorFlow -> PyTorch)";
        }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source()).put("kind", kind);
            except.ifPresent(e -> o.put("except", e.source()));
        }

        /** The keys {@code match} finds, but not those {@code except} finds (Paddle's embeddings among its 2-D weights). */
        @Override
        public boolean matches(String key) { return match.find(key) && except.map(e -> !e.find(key)).orElse(true); }

        public int since() { return 2; }

        /** The kind this tensor gets: {@code auto} resolved, or null for "unchanged". */
        String kindOf(TensorSpec t) throws RuleException {
            int rank = t.shape().size();
            String k = kind;
            if (k.equals("dense_2d")) {
                if (rank != 2) return null;
                k = "dense";
            }
            if (k.equals("auto")) {
                if (t.key().contains("depthwise") && rank >= 3 && rank <= 5) k = "depthwise";
                else if (rank == 2) k = "dense";
                else if (rank >= 3 && rank <= 5) k = "conv";
                else return null;
            }
            boolean fits = switch (k) {
                case "dense" -> rank == 2;
                default -> rank >= 3 && rank <= 5;
            };
            if (!fits) throw new RuleException(describe() + ": '" + t.key() + "' of shape " + t.shape() + " is not a " + k + " kernel");
            return k;
        }

        /** The steps this layout is made of, for one tensor. */
        List<TensorRule> steps(TensorSpec t) throws RuleException {
            String k = kindOf(t);
            if (k == null) return List.of();
            int rank = t.shape().size();
            int[] dims = new int[rank];
            switch (k) {
                case "dense" -> {
                    return List.of(new Permute(match, new int[] {1, 0}));
                }
                case "depthwise" -> {
                    dims[0] = rank - 2;
                    dims[1] = rank - 1;
                    for (int i = 2; i < rank; i++) dims[i] = i - 2;
                    long[] shape = new long[rank];
                    shape[0] = t.shape().get(rank - 2) * t.shape().get(rank - 1);
                    shape[1] = 1;
                    for (int i = 2; i < rank; i++) shape[i] = t.shape().get(i - 2);
                    return List.of(new Permute(match, dims), new Reshape(match, shape));
                }
                default -> {
                    dims[0] = rank - 1;
                    dims[1] = rank - 2;
                    for (int i = 2; i < rank; i++) dims[i] = i - 2;
                    return List.of(new Permute(match, dims));
                }
            }
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            TensorSpec out = t;
            for (TensorRule r : steps(t)) out = r.transform(out);
            return out;
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            return transformAll(t, steps(spec(t, key)), key);
        }
    }

    /** Removes dimension {@code dim}, which must have size 1 (torch's {@code squeeze(dim)}, strict). */
    record Squeeze(KeyPattern match, int dim) implements TensorRule {
        public Squeeze(String match, int dim) { this(KeyPattern.literal(match), dim); }

        static Squeeze read(RuleJson j) throws RuleException { return new Squeeze(j.pattern("match"), j.integer("dim")); }

        public String op() { return "squeeze"; }

        public String describe() { return "squeeze /" + match + "/ dim " + dim; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()).put("dim", dim); }

        public int since() { return 2; }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            int d = dimIndex(describe(), t, dim, t.shape().size());
            if (t.shape().get(d) != 1) throw new RuleException(describe() + ": '" + t.key() + "' of shape " + t.shape() + " has size " + t.shape().get(d) + " there, not 1");
            List<Long> shape = new ArrayList<>(t.shape());
            shape.remove(d);
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            TensorSpec s = spec(t, key);
            transform(s);
            int d = dimIndex(describe(), s, dim, t.rank());
            return new TensorData(t.storage(), t.dtype(), remove(t.shape(), d), remove(t.strides(), d), t.storageOffset(), Optional.empty());
        }

        private static long[] remove(long[] a, int i) {
            long[] out = new long[a.length - 1];
            System.arraycopy(a, 0, out, 0, i);
            System.arraycopy(a, i + 1, out, i, a.length - i - 1);
            return out;
        }
    }

    /** Inserts a dimension of size 1 at {@code dim} (torch's {@code unsqueeze}; negative counts from the end of the new rank). */
    record Unsqueeze(KeyPattern match, int dim) implements TensorRule {
        public Unsqueeze(String match, int dim) { this(KeyPattern.literal(match), dim); }

        static Unsqueeze read(RuleJson j) throws RuleException { return new Unsqueeze(j.pattern("match"), j.integer("dim")); }

        public String op() { return "unsqueeze"; }

        public String describe() { return "unsqueeze /" + match + "/ dim " + dim; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()).put("dim", dim); }

        public int since() { return 2; }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            int d = dimIndex(describe(), t, dim, t.shape().size() + 1);
            List<Long> shape = new ArrayList<>(t.shape());
            shape.add(d, 1L);
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            int d = dimIndex(describe(), spec(t, key), dim, t.rank() + 1);
            long[] shape = insert(t.shape(), d, 1);
            long[] strides = insert(t.strides(), d, 1);
            return new TensorData(t.storage(), t.dtype(), shape, strides, t.storageOffset(), Optional.empty());
        }

        private static long[] insert(long[] a, int i, long v) {
            long[] out = new long[a.length + 1];
            System.arraycopy(a, 0, out, 0, i);
            out[i] = v;
            System.arraycopy(a, i, out, i + 1, a.length - i);
            return out;
        }
    }

    /** Reverses the order along each of {@code dims} (torch's {@code flip}; Theano-backend kernels). */
    record Flip(KeyPattern match, int[] dims) implements TensorRule {
        public Flip {
            dims = dims.clone();
        }

        public Flip(String match, int[] dims) { this(KeyPattern.literal(match), dims); }

        static Flip read(RuleJson j) throws RuleException { return new Flip(j.pattern("match"), j.ints("dims")); }

        public String op() { return "flip"; }

        public String describe() { return "flip /" + match + "/ " + Arrays.toString(dims); }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source());
            for (int d : dims) o.withArray("dims").add(d);
        }

        public int since() { return 2; }

        private boolean[] flipped(TensorSpec t) throws RuleException {
            boolean[] f = new boolean[t.shape().size()];
            for (int d : dims) {
                int i = dimIndex(describe(), t, d, f.length);
                if (f[i]) throw new RuleException(describe() + ": dimension " + d + " is listed twice");
                f[i] = true;
            }
            return f;
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            flipped(t);
            return t;
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            boolean[] f = flipped(spec(t, key));
            int last = -1;
            for (int i = 0; i < f.length; i++) if (f[i]) last = i;
            if (last < 0 || t.numel() == 0) return t;
            long[] shape = t.shape();
            long[] strides = t.strides();
            int rank = shape.length;
            // rows: over the dimensions up to the last flipped one, each written from its mirrored
            // source row; when that is the last dimension, the rows are its lines, each written in
            // chunks from its end, every chunk's elements reversed in a buffer (not one at a time)
            boolean reverseLines = last == rank - 1;
            int rowDims = reverseLines ? rank - 1 : last + 1;
            long outer = 1;
            for (int i = 0; i < rowDims; i++) outer *= shape[i];
            long outerCount = outer;
            int item = t.dtype().itemSize();
            return TensorBytes.build("flipped", t.dtype(), shape, out -> {
                byte[] buf = reverseLines ? new byte[Math.max(item, (1 << 20) / item * item)] : null;
                for (long o = 0; o < outerCount; o++) {
                    long rest = o;
                    long offset = t.storageOffset();
                    for (int i = rowDims - 1; i >= 0; i--) {
                        long idx = rest % shape[i];
                        rest /= shape[i];
                        offset += (f[i] ? shape[i] - 1 - idx : idx) * strides[i];
                    }
                    if (!reverseLines) {
                        TensorData row = new TensorData(t.storage(), t.dtype(), Arrays.copyOfRange(shape, rowDims, rank),
                                Arrays.copyOfRange(strides, rowDims, rank), offset, Optional.empty());
                        io.weightbench.tensor.CanonicalBytes.writeTo(row, out);
                        continue;
                    }
                    long n = shape[rank - 1];
                    long chunk = buf.length / item;
                    for (long end = n; end > 0; end -= chunk) {
                        long begin = Math.max(0, end - chunk);
                        TensorData part = new TensorData(t.storage(), t.dtype(), new long[] {end - begin}, new long[] {strides[rank - 1]},
                                offset + begin * strides[rank - 1], Optional.empty());
                        int[] filled = {0};
                        io.weightbench.tensor.CanonicalBytes.stream(part, (bytes, len) -> {
                            System.arraycopy(bytes, 0, buf, filled[0], len);
                            filled[0] += len;
                        });
                        reverse(buf, filled[0], item);
                        out.write(buf, 0, filled[0]);
                    }
                }
            });
        }

        /** Reverses the order of the {@code item}-byte elements in {@code b[0 .. len)}. */
        private static void reverse(byte[] b, int len, int item) {
            for (int i = 0, j = len - item; i < j; i += item, j -= item) {
                for (int k = 0; k < item; k++) {
                    byte x = b[i + k];
                    b[i + k] = b[j + k];
                    b[j + k] = x;
                }
            }
        }

        @Override public boolean equals(Object o) { return o instanceof Flip x && x.match.equals(match) && Arrays.equals(x.dims, dims); }

        @Override public int hashCode() { return match.hashCode() * 31 + Arrays.hashCode(dims); }
    }

    /**
     * Reorders the equal blocks of dimension {@code dim}: block i of the result is block
     * {@code order[i]} of the tensor. Gives the gate orders of recurrent layers, named by their
     * gates: {@code from} and {@code to} are lists of gate letters (Keras LSTM i,f,c,o; PyTorch
     * i,f,g,o, the same as c; ONNX i,o,f,c; Keras GRU z,r,h; PyTorch r,z,n, the same as h) or a
     * named convention ({@code keras_lstm}, {@code torch_lstm}, {@code onnx_lstm}, {@code keras_gru},
     * {@code torch_gru}, {@code onnx_gru}).
     */
    record ReorderBlocks(KeyPattern match, int dim, List<String> from, List<String> to) implements TensorRule {
        static final java.util.Map<String, List<String>> CONVENTIONS = java.util.Map.of(
                "keras_lstm", List.of("i", "f", "c", "o"), "torch_lstm", List.of("i", "f", "c", "o"), "onnx_lstm", List.of("i", "o", "f", "c"),
                "keras_gru", List.of("z", "r", "h"), "torch_gru", List.of("r", "z", "h"), "onnx_gru", List.of("z", "r", "h"));

        public ReorderBlocks {
            from = List.copyOf(from);
            to = List.copyOf(to);
            if (from.size() != to.size() || !new java.util.HashSet<>(from).equals(new java.util.HashSet<>(to)) || new java.util.HashSet<>(from).size() != from.size()) {
                throw new IllegalArgumentException("reorder_blocks: \"to\" " + to + " must reorder the distinct blocks of \"from\" " + from);
            }
        }

        public ReorderBlocks(String match, int dim, List<String> from, List<String> to) { this(KeyPattern.literal(match), dim, from, to); }

        private static List<String> gates(RuleJson j, String field) throws RuleException {
            if (j.node().path(field).isTextual()) {
                String name = j.text(field);
                List<String> g = CONVENTIONS.get(name);
                if (g == null) throw new RuleException("reorder_blocks: unknown convention '" + name + "' (known: " + new java.util.TreeSet<>(CONVENTIONS.keySet()) + ")");
                return g;
            }
            return j.texts(field).stream().map(s -> s.equals("g") ? "c" : s.equals("n") ? "h" : s).toList();
        }

        static ReorderBlocks read(RuleJson j) throws RuleException {
            try {
                return new ReorderBlocks(j.pattern("match"), j.integer("dim", 0), gates(j, "from"), gates(j, "to"));
            } catch (IllegalArgumentException e) {
                throw new RuleException(e.getMessage());
            }
        }

        public String op() { return "reorder_blocks"; }

        public String describe() { return "reorder_blocks /" + match + "/ dim " + dim + " " + from + " -> " + to; }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source()).put("dim", dim);
            from.forEach(o.withArray("from")::add);
            to.forEach(o.withArray("to")::add);
        }

        public int since() { return 2; }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            int d = dimIndex(describe(), t, dim, t.shape().size());
            if (t.shape().get(d) % from.size() != 0) {
                throw new RuleException(describe() + ": '" + t.key() + "' of shape " + t.shape() + " does not split into " + from.size() + " equal blocks");
            }
            return t;
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            TensorSpec s = spec(t, key);
            transform(s);
            int d = dimIndex(describe(), s, dim, t.rank());
            long block = t.shape()[d] / from.size();
            List<TensorData> parts = new ArrayList<>();
            for (String gate : to) parts.add(TensorBytes.narrow(t, d, from.indexOf(gate) * block, block));
            return TensorBytes.concat(parts, d);
        }
    }

    /**
     * Undoes llama.cpp's rotary-embedding permutation of the query and key projections (its
     * converter reorders each head's rows from Hugging Face's two halves to interleaved pairs):
     * {@code w.reshape(heads, rows / heads / 2, 2, ...).transpose(1, 2).reshape(w.shape)}.
     * {@code heads} is a number or the name of a metadata key of the checkpoint
     * ({@code llama.attention.head_count}), read when the rules are applied to it.
     */
    record UnpermuteRope(KeyPattern match, String heads) implements TensorRule {
        public UnpermuteRope(String match, String heads) { this(KeyPattern.literal(match), heads); }

        static UnpermuteRope read(RuleJson j) throws RuleException {
            String heads = j.node().path("heads").isTextual() ? j.text("heads") : Long.toString(j.integer("heads"));
            return new UnpermuteRope(j.pattern("match"), heads);
        }

        public String op() { return "unpermute_rope"; }

        public String describe() { return "unpermute_rope /" + match + "/ heads " + heads; }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source());
            if (heads.matches("\\d{1,9}")) o.put("heads", Integer.parseInt(heads));
            else o.put("heads", heads);
        }

        public int since() { return 2; }

        /** This rule with {@code heads} read from the checkpoint's metadata, when it names a key there. */
        UnpermuteRope resolve(java.util.Map<String, String> metadata) {
            String v = metadata.get(heads);
            return v != null && v.trim().matches("\\d{1,9}") ? new UnpermuteRope(match, v.trim()) : this;
        }

        private List<TensorRule> steps(TensorSpec t) throws RuleException {
            if (!heads.matches("\\d{1,9}")) {
                throw new RuleException(describe() + ": the checkpoint has no metadata '" + heads + "' to give the number of heads");
            }
            long h = Long.parseLong(heads);
            if (t.shape().isEmpty() || h < 1 || t.shape().get(0) % (2 * h) != 0) {
                throw new RuleException(describe() + ": '" + t.key() + "' of shape " + t.shape() + " does not split into " + heads + " heads of row pairs");
            }
            long[] split = new long[t.shape().size() + 2];
            split[0] = h;
            split[1] = t.shape().get(0) / h / 2;
            split[2] = 2;
            for (int i = 1; i < t.shape().size(); i++) split[i + 2] = t.shape().get(i);
            long[] back = t.shape().stream().mapToLong(Long::longValue).toArray();
            return List.of(new Reshape(match, split), new Transpose(match, 1, 2), new Reshape(match, back));
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            steps(t);
            return t;
        }

        public TensorData transform(TensorData t, String key) throws IOException { return transformAll(t, steps(spec(t, key)), key); }
    }

    /**
     * Adds {@code value} to every element (torch's {@code t + value}): in float64 for a float64
     * tensor, else in float32 and rounded back to the tensor's dtype, as torch's CPU kernels do.
     * What moves BatchNorm statistics between models that normalise with another eps: running_var
     * + (eps the weights were trained with - eps of the model) keeps {@code var + eps}.
     */
    record Add(KeyPattern match, double value) implements TensorRule {
        public Add(String match, double value) { this(KeyPattern.literal(match), value); }

        static Add read(RuleJson j) throws RuleException { return new Add(j.pattern("match"), j.number("value")); }

        public String op() { return "add"; }

        public String describe() { return "add " + value + " to /" + match + "/"; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()).put("value", value); }

        public int since() { return 2; }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            DType d = t.dtype();
            if (d != DType.FLOAT64 && d != DType.FLOAT32 && d != DType.FLOAT16 && d != DType.BFLOAT16) {
                throw new RuleException(describe() + ": '" + t.key() + "' is " + d + "; only float64, float32, float16 and bfloat16 tensors can be added to");
            }
            return t;
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            DType d = transform(spec(t, key)).dtype();
            int size = d.itemSize();
            float addend = (float) value;
            return TensorBytes.build("added", d, t.shape(), out -> {
                ByteBuffer chunk = ByteBuffer.allocate(size << 14).order(ByteOrder.LITTLE_ENDIAN);
                try {
                    ElementDecoder.forEach(t, (i, v) -> {
                        TensorBytes.encode(chunk, chunk.position(), d, d == DType.FLOAT64 ? v + value : (double) ((float) v + addend));
                        chunk.position(chunk.position() + size);
                        if (!chunk.hasRemaining()) flush(chunk, out);
                    });
                } catch (java.io.UncheckedIOException e) {
                    throw e.getCause();
                }
                flush(chunk, out);
            });
        }

        private static void flush(ByteBuffer chunk, java.io.OutputStream out) {
            try {
                out.write(chunk.array(), 0, chunk.position());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            chunk.clear();
        }
    }

    /**
     * Replaces the non-finite values (NaN, +-inf) of the tensors {@code match} finds with
     * {@code fill} — or, with {@code wholeTensor}, every value of a tensor that holds any (the
     * seed re-initialises such weights with {@code normal_(0, 0.02)}). Tensors without one, and
     * tensors of integer dtypes, pass unchanged. What it replaced is counted
     * ({@link RuleSet#replaced}).
     */
    record ReplaceNonFinite(KeyPattern match, Fill fill, boolean wholeTensor) implements TensorRule {
        public ReplaceNonFinite(String match, Fill fill, boolean wholeTensor) { this(KeyPattern.literal(match), fill, wholeTensor); }

        static ReplaceNonFinite read(RuleJson j) throws RuleException {
            return new ReplaceNonFinite(j.pattern("match"), Fill.read(j, "fill"), j.bool("whole_tensor", false));
        }

        public String op() { return "replace_nonfinite"; }

        public String describe() {
            return "replace_nonfinite /" + match + "/ " + (wholeTensor ? "whole tensors holding any" : "NaN/inf values") + " with " + fill.describe();
        }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source()).set("fill", fill.toJson());
            if (wholeTensor) o.put("whole_tensor", true);
        }

        public int since() { return 2; }

        public TensorSpec transform(TensorSpec t) { return t; }

        /** How many of the tensor's values are NaN or infinite (0 for integer dtypes); reads the values once. */
        public static long count(TensorData t) throws IOException {
            if (!t.dtype().isFloatingPoint() && !t.dtype().isQuantized() && !t.dtype().isBlockQuantized() || t.numel() == 0) return 0;
            if (t.quantization().isPresent() || t.dtype().isBlockQuantized()) {
                long[] n = {0};
                ElementDecoder.forEach(t, (i, v) -> {
                    if (!Double.isFinite(v)) n[0]++;
                });
                return n[0];
            }
            DType dt = t.dtype();
            int item = dt.itemSize();
            long[] n = {0};
            io.weightbench.tensor.CanonicalBytes.stream(t, (chunk, len) -> {
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, len).order(ByteOrder.LITTLE_ENDIAN);
                if (dt == DType.FLOAT32) {
                    for (int p = 0; p < len; p += 4) if ((b.getInt(p) & 0x7f800000) == 0x7f800000) n[0]++;
                } else {
                    for (int p = 0; p < len; p += item) if (!Double.isFinite(ElementDecoder.decode(dt, b, p))) n[0]++;
                }
            });
            return n[0];
        }

        /** How many values this rule replaces in {@code t}: its non-finite ones, or all of them when it replaces whole tensors. */
        public long replaced(TensorData t) throws IOException {
            long n = count(t);
            return wholeTensor && n > 0 ? t.numel() : n;
        }

        public TensorData transform(TensorData t, String key) throws IOException {
            long bad = count(t);
            if (bad == 0) return t;
            DType dt = t.dtype();
            if (!Fill.writable(dt)) throw new RuleException(describe() + ": '" + key + "' is " + dt + "; cast it to float32 first");
            if (wholeTensor) return fill.tensor(key, dt, t.shape());
            Fill.Values values = fill.values(key);
            int item = dt.itemSize();
            return TensorBytes.build("repaired", dt, t.shape(), out -> io.weightbench.tensor.CanonicalBytes.stream(t, (chunk, len) -> {
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, len).order(ByteOrder.LITTLE_ENDIAN);
                for (int p = 0; p < len; p += item) {
                    if (!Double.isFinite(ElementDecoder.decode(dt, b, p))) TensorBytes.encode(b, p, dt, values.next());
                }
                out.write(chunk, 0, len);
            }));
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** A whole (small, bounded by the caller) tensor's values as floats. */
    private static float[] floats(TensorData t) throws IOException {
        float[] w = new float[(int) t.numel()];
        ElementDecoder.forEach(t, (i, v) -> w[(int) i] = (float) v);
        return w;
    }

    /** Float32 values as a tensor of {@code dtype} (rounded as torch's {@code .to}). */
    private static TensorData fromFloats(String name, float[] values, long[] shape, DType dtype) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) bytes.putFloat(f);
        Storage storage = new Storage(name, DType.FLOAT32, values.length, ByteOrder.LITTLE_ENDIAN, "cpu", ByteSource.of(bytes.array()));
        TensorData f32 = TensorData.contiguous(storage, shape);
        return dtype == DType.FLOAT32 ? f32 : TensorBytes.materialize(f32, dtype);
    }

    static boolean sameShapeBut(long[] a, long[] b, int dim) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (i != dim && a[i] != b[i]) return false;
        return Objects.nonNull(a);
    }
}
