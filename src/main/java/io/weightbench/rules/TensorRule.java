package io.weightbench.rules;

import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A rule that changes the tensors whose key it finds a match in, not their keys: permute,
 * transpose, slice, reshape, cast. On shapes (compare, suggest) it gives the new shape and dtype;
 * on data ({@code export.Transforms}) it gives the new tensor. A transform that does not fit a
 * tensor's shape is an error naming the key.
 */
public sealed interface TensorRule extends Rule permits TensorRule.Permute, TensorRule.Transpose, TensorRule.Slice,
        TensorRule.Reshape, TensorRule.Cast, TensorRule.AdaptInputConv, TensorRule.ResamplePosEmbed {

    String match();

    Pattern compiled();

    /** The tensor after this rule (its key unchanged). */
    TensorSpec transform(TensorSpec t) throws RuleException;

    default boolean matches(String key) { return compiled().matcher(key).find(); }

    @Override
    default Optional<String> apply(String key) { return Optional.of(key); }

    /** Reorders dimensions: {@code dims[i]} is the source dimension that becomes dimension i (torch's permute). */
    record Permute(String match, int[] dims, Pattern compiled) implements TensorRule {
        public Permute(String match, int[] dims) { this(match, dims.clone(), Pattern.compile(match)); }

        public String op() { return "permute"; }

        public String describe() { return "permute /" + match + "/ " + Arrays.toString(dims); }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            checkPermutation(t, dims);
            List<Long> shape = new ArrayList<>();
            for (int d : dims) shape.add(t.shape().get(d));
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        @Override public boolean equals(Object o) { return o instanceof Permute p && p.match.equals(match) && Arrays.equals(p.dims, dims); }

        @Override public int hashCode() { return match.hashCode() * 31 + Arrays.hashCode(dims); }
    }

    /** Swaps two dimensions. */
    record Transpose(String match, int dim0, int dim1, Pattern compiled) implements TensorRule {
        public Transpose(String match, int dim0, int dim1) { this(match, dim0, dim1, Pattern.compile(match)); }

        public String op() { return "transpose"; }

        public String describe() { return "transpose /" + match + "/ " + dim0 + "," + dim1; }

        public int[] dims(int rank) {
            int[] d = new int[rank];
            for (int i = 0; i < rank; i++) d[i] = i;
            d[dim0] = dim1;
            d[dim1] = dim0;
            return d;
        }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            int rank = t.shape().size();
            if (dim0 < 0 || dim1 < 0 || dim0 >= rank || dim1 >= rank) {
                throw new RuleException(describe() + ": '" + t.key() + "' has " + rank + " dimensions");
            }
            return new Permute(match, dims(rank)).transform(t);
        }

        @Override public boolean equals(Object o) { return o instanceof Transpose x && x.match.equals(match) && x.dim0 == dim0 && x.dim1 == dim1; }

        @Override public int hashCode() { return match.hashCode() * 31 + dim0 * 7 + dim1; }
    }

    /** Keeps {@code start <= i < end} (step {@code step}) along {@code dim}: e.g. the first N classes of a head. */
    record Slice(String match, int dim, long start, long end, long step, Pattern compiled) implements TensorRule {
        public Slice(String match, int dim, long start, long end, long step) { this(match, dim, start, end, step, Pattern.compile(match)); }

        public String op() { return "slice"; }

        public String describe() { return "slice /" + match + "/ dim " + dim + " [" + start + ":" + end + (step == 1 ? "" : ":" + step) + "]"; }

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

        @Override public boolean equals(Object o) {
            return o instanceof Slice x && x.match.equals(match) && x.dim == dim && x.start == start && x.end == end && x.step == step;
        }

        @Override public int hashCode() { return Objects.hash(match, dim, start, end, step); }
    }

    /** A new shape for the same elements in row-major order; one dimension may be -1. */
    record Reshape(String match, long[] shape, Pattern compiled) implements TensorRule {
        public Reshape(String match, long[] shape) { this(match, shape.clone(), Pattern.compile(match)); }

        public String op() { return "reshape"; }

        public String describe() { return "reshape /" + match + "/ " + Arrays.toString(shape); }

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
                    known *= shape[i];
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

        @Override public boolean equals(Object o) { return o instanceof Reshape r && r.match.equals(match) && Arrays.equals(r.shape, shape); }

        @Override public int hashCode() { return match.hashCode() * 31 + Arrays.hashCode(shape); }
    }

    /** Converts to another dtype the way torch's {@code .to(dtype)} does. */
    record Cast(String match, DType dtype, Pattern compiled) implements TensorRule {
        public Cast(String match, DType dtype) { this(match, dtype, Pattern.compile(match)); }

        public String op() { return "cast"; }

        public String describe() { return "cast /" + match + "/ to " + dtype; }

        public TensorSpec transform(TensorSpec t) throws RuleException {
            if (dtype.isQuantized() || dtype.isBlockQuantized() || dtype.isComplex() || t.dtype().isComplex() || t.dtype().isQuantized()
                    || (t.dtype().isBlockQuantized() && !dtype.isFloatingPoint())) {
                throw new RuleException(describe() + ": casting '" + t.key() + "' (" + t.dtype() + ") is not supported");
            }
            return new TensorSpec(t.key(), t.shape(), dtype);
        }

        @Override public boolean equals(Object o) { return o instanceof Cast c && c.match.equals(match) && c.dtype == dtype; }

        @Override public int hashCode() { return match.hashCode() * 31 + dtype.hashCode(); }
    }

    /**
     * timm's {@code adapt_input_conv}: a first convolution trained on RGB for {@code inChans} input
     * channels. One channel: the sum over the three (or over each group of three, for space-to-depth
     * stems); N channels: the RGB weights repeated and scaled by 3/N.
     */
    record AdaptInputConv(String match, int inChans, Pattern compiled) implements TensorRule {
        public AdaptInputConv(String match, int inChans) { this(match, inChans, Pattern.compile(match)); }

        public String op() { return "adapt_input_conv"; }

        public String describe() { return "adapt_input_conv /" + match + "/ to " + inChans + " channels"; }

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

        @Override public boolean equals(Object o) { return o instanceof AdaptInputConv a && a.match.equals(match) && a.inChans == inChans; }

        @Override public int hashCode() { return match.hashCode() * 31 + inChans; }
    }

    /**
     * Resamples a ViT's absolute position embedding ({@code [1, prefix + h*w, C]} or
     * {@code [prefix + h*w, C]}) to a new grid with bicubic interpolation, as timm's
     * {@code resample_abs_pos_embed} does (torch's {@code F.interpolate}, antialiased by default);
     * the {@code prefixTokens} (class token...) are kept as they are.
     */
    record ResamplePosEmbed(String match, int gridH, int gridW, int prefixTokens, boolean antialias, Pattern compiled) implements TensorRule {
        public ResamplePosEmbed(String match, int gridH, int gridW, int prefixTokens, boolean antialias) {
            this(match, gridH, gridW, prefixTokens, antialias, Pattern.compile(match));
        }

        public String op() { return "resample_pos_embed"; }

        public String describe() { return "resample_pos_embed /" + match + "/ to " + gridH + "x" + gridW + (antialias ? "" : " (no antialias)"); }

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
            if (gridH < 1 || gridW < 1) throw new RuleException(describe() + ": the grid must be positive");
            List<Long> shape = new ArrayList<>(t.shape());
            shape.set(shape.size() - 2, (long) prefixTokens + (long) gridH * gridW);
            return new TensorSpec(t.key(), shape, t.dtype());
        }

        @Override public boolean equals(Object o) {
            return o instanceof ResamplePosEmbed r && r.match.equals(match) && r.gridH == gridH && r.gridW == gridW
                    && r.prefixTokens == prefixTokens && r.antialias == antialias;
        }

        @Override public int hashCode() { return Objects.hash(match, gridH, gridW, prefixTokens, antialias); }
    }

    private static void checkPermutation(TensorSpec t, int[] dims) throws RuleException {
        int rank = t.shape().size();
        boolean[] seen = new boolean[rank];
        if (dims.length != rank) throw new RuleException("permute " + Arrays.toString(dims) + ": '" + t.key() + "' has " + rank + " dimensions");
        for (int d : dims) {
            if (d < 0 || d >= rank || seen[d]) throw new RuleException("permute " + Arrays.toString(dims) + " is not a permutation of " + rank + " dimensions");
            seen[d] = true;
        }
    }
}
