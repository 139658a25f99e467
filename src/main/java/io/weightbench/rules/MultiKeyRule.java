package io.weightbench.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.model.TensorSpec;
import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A rule that changes how many tensors there are: {@link Split} cuts one tensor into several keys
 * (a fused qkv into q, k, v), {@link Join} makes one tensor of several keys (q, k, v into
 * {@code in_proj_weight}; per-layer keys stacked along a new axis). Like every op it holds its JSON
 * form, its effect on keys and shapes, and its effect on data; {@link RuleSet} applies it to the
 * whole key set at its place in the order.
 */
public sealed interface MultiKeyRule extends Rule permits MultiKeyRule.Split, MultiKeyRule.Join, MultiKeyRule.AddTensor,
        MultiKeyRule.Layer {

    @Override
    default Optional<String> apply(String key) { return Optional.of(key); }

    @Override
    default int since() { return 2; }

    /** Splits and joins work on plain elements: a quantized tensor must be cast to a float type first. */
    private static void checkNotQuantized(MultiKeyRule r, TensorData t, String key) throws RuleException {
        if (t.quantization().isPresent() || t.dtype().isBlockQuantized()) {
            throw new RuleException(r.describe() + ": '" + key + "' is quantized (" + t.dtype() + "); cast it to a float type first");
        }
    }

    /** A key template ({@code $1.q.weight}) checked against the groups of {@code p}. */
    private static void check(KeyPattern p, String replacement, String op) throws RuleException {
        try {
            p.checkReplacement(replacement);
        } catch (RuleException e) {
            throw new RuleException(op + ": " + e.getMessage());
        }
    }

    /**
     * Cuts the tensors {@code match} finds a match in along {@code dim} into {@code into.size()}
     * parts (equal, as torch's {@code chunk}, or of {@code sizes}, as torch's {@code split}); part i
     * is named by {@code into[i]} with {@code $1}... from the match, as a regex rename does. With
     * {@code squeeze} the parts (of size 1) lose the dimension (torch's {@code unbind}). Parts are
     * views: nothing is copied.
     */
    record Split(KeyPattern match, int dim, List<String> into, List<Long> sizes, boolean squeeze) implements MultiKeyRule {
        public Split {
            into = List.copyOf(into);
            sizes = List.copyOf(sizes);
        }

        public Split(String match, int dim, List<String> into) { this(KeyPattern.literal(match), dim, into, List.of(), false); }

        static Split read(RuleJson j) throws RuleException {
            KeyPattern p = j.pattern("match");
            List<String> into = j.texts("into");
            if (into.isEmpty()) throw new RuleException("split: \"into\" names at least one key");
            for (String s : into) check(p, s, j.op());
            List<Long> sizes = new ArrayList<>();
            if (j.has("sizes")) for (long s : j.longs("sizes")) sizes.add(s);
            if (!sizes.isEmpty() && sizes.size() != into.size()) throw new RuleException("split: \"sizes\" and \"into\" differ in length");
            return new Split(p, j.integer("dim", 0), into, sizes, j.bool("squeeze", false));
        }

        public String op() { return "split"; }

        public String describe() { return "split /" + match + "/ dim " + dim + " into " + into; }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source()).put("dim", dim);
            into.forEach(o.withArray("into")::add);
            if (!sizes.isEmpty()) sizes.forEach(o.withArray("sizes")::add);
            if (squeeze) o.put("squeeze", true);
        }

        public boolean matches(String key) { return match.find(key); }

        /** The parts' keys for a tensor named {@code key}. */
        public List<String> keys(String key) {
            return into.stream().map(s -> match.replaceAll(key, s)).toList();
        }

        /** Where each part starts along the dimension, and its length. */
        private long[][] bounds(TensorSpec t) throws RuleException {
            int rank = t.shape().size();
            int d = dim < 0 ? dim + rank : dim;
            if (d < 0 || d >= rank) throw new RuleException(describe() + ": '" + t.key() + "' has " + rank + " dimensions");
            long size = t.shape().get(d);
            long[][] out = new long[into.size()][];
            long start = 0;
            for (int i = 0; i < into.size(); i++) {
                long n;
                if (sizes.isEmpty()) {
                    if (size % into.size() != 0) throw new RuleException(describe() + ": '" + t.key() + "' of shape " + t.shape() + " does not split into " + into.size() + " equal parts");
                    n = size / into.size();
                } else {
                    n = sizes.get(i);
                    if (n < 0) throw new RuleException(describe() + ": negative size " + n);
                }
                out[i] = new long[] {d, start, n};
                start += n;
            }
            if (start != size) throw new RuleException(describe() + ": the sizes " + sizes + " add up to " + start + ", '" + t.key() + "' has " + size + " along dim " + dim);
            if (squeeze) for (long[] b : out) if (b[2] != 1) throw new RuleException(describe() + ": squeeze needs parts of size 1, '" + t.key() + "' gives " + b[2]);
            return out;
        }

        /** The parts' shapes (keys from {@link #keys}). */
        public List<TensorSpec> transform(TensorSpec t) throws RuleException {
            long[][] b = bounds(t);
            List<String> keys = keys(t.key());
            List<TensorSpec> out = new ArrayList<>();
            for (int i = 0; i < b.length; i++) {
                List<Long> shape = new ArrayList<>(t.shape());
                shape.set((int) b[i][0], b[i][2]);
                if (squeeze) shape.remove((int) b[i][0]);
                out.add(new TensorSpec(keys.get(i), shape, t.dtype()));
            }
            return out;
        }

        /** Part {@code index} of the tensor named {@code key}: a view. */
        public TensorData part(TensorData t, String key, int index) throws IOException {
            checkNotQuantized(this, t, key);
            long[] b = bounds(TensorSpec.of(key, t.shape(), t.dtype()))[index];
            TensorData p = TensorBytes.narrow(t, (int) b[0], b[1], b[2]);
            return squeeze ? new TensorRule.Squeeze(match, (int) b[0]).transform(p, key) : p;
        }
    }

    /**
     * Joins several keys into one: for each key {@code match} finds a match in, the keys
     * {@code parts} (with {@code $1}... from that match) are joined, in that order, into the key
     * {@code into} — concatenated along {@code dim} (torch's {@code cat}) or, with {@code stack},
     * stacked along a new dimension {@code dim} (torch's {@code stack}). Every part must be present;
     * the parts disappear.
     */
    record Join(KeyPattern match, List<String> parts, String into, int dim, boolean stack) implements MultiKeyRule {
        public Join {
            parts = List.copyOf(parts);
        }

        public Join(String match, List<String> parts, String into, int dim, boolean stack) {
            this(KeyPattern.literal(match), parts, into, dim, stack);
        }

        static Join read(RuleJson j, boolean stack) throws RuleException {
            KeyPattern p = j.pattern("match");
            List<String> parts = j.texts("parts");
            String into = j.text("into");
            if (parts.isEmpty()) throw new RuleException(j.op() + ": \"parts\" names at least one key");
            for (String s : parts) check(p, s, j.op());
            check(p, into, j.op());
            return new Join(p, parts, into, j.integer("dim", 0), stack);
        }

        public String op() { return stack ? "stack" : "concat"; }

        public String describe() { return op() + " " + parts + " -> " + into + " dim " + dim; }

        public void writeJson(ObjectNode o) {
            o.put("match", match.source());
            parts.forEach(o.withArray("parts")::add);
            o.put("into", into).put("dim", dim);
        }

        public boolean matches(String key) { return match.find(key); }

        /** The part keys joined for an anchor key {@code key}. */
        public List<String> partKeys(String key) { return parts.stream().map(s -> match.replaceAll(key, s)).toList(); }

        public String intoKey(String key) { return match.replaceAll(key, into); }

        private int dimOf(TensorSpec first) throws RuleException {
            int rank = first.shape().size() + (stack ? 1 : 0);
            int d = dim < 0 ? dim + rank : dim;
            if (d < 0 || d >= rank) throw new RuleException(describe() + ": '" + first.key() + "' has " + first.shape().size() + " dimensions");
            return d;
        }

        /** The joined tensor's shape, named {@code key}; the parts must agree in dtype and in every other dimension. */
        public TensorSpec transform(List<TensorSpec> in, String key) throws RuleException {
            TensorSpec first = in.get(0);
            int d = dimOf(first);
            long total = 0;
            for (TensorSpec t : in) {
                boolean fits = t.dtype() == first.dtype() && t.shape().size() == first.shape().size();
                for (int i = 0; fits && i < t.shape().size(); i++) fits = stack || i == d || t.shape().get(i).equals(first.shape().get(i));
                if (stack) fits = fits && t.shape().equals(first.shape());
                if (!fits) throw new RuleException(describe() + ": '" + t.key() + "' " + t.dtype() + t.shape() + " does not fit '" + first.key() + "' " + first.dtype() + first.shape());
                total += stack ? 1 : t.shape().get(d);
            }
            List<Long> shape = new ArrayList<>(first.shape());
            if (stack) shape.add(d, total);
            else shape.set(d, total);
            return new TensorSpec(key, shape, first.dtype());
        }

        public TensorData join(List<TensorData> in, String key) throws IOException {
            List<TensorSpec> specs = new ArrayList<>();
            for (TensorData t : in) {
                checkNotQuantized(this, t, key);
                specs.add(TensorSpec.of(key, t.shape(), t.dtype()));
            }
            TensorSpec first = specs.get(0);
            int d = dimOf(first);
            transform(specs, key);
            List<TensorData> parts = new ArrayList<>();
            for (TensorData t : in) parts.add(stack ? new TensorRule.Unsqueeze(match, d).transform(t, key) : t);
            return TensorBytes.concat(parts, d);
        }
    }

    /**
     * Adds a tensor the checkpoint lacks under {@code key} (after the rules before it): of
     * {@code shape} and {@code dtype}, holding {@code fill}'s values, or, with {@code template},
     * the tensor named {@code key} in that file's weights entry (read when the data is asked for,
     * copied, and the file closed again). {@code init} says in words how the fill was chosen
     * (apply's --fill-missing writes these). A key that is already there is an error.
     */
    record AddTensor(String key, List<Long> shape, io.weightbench.tensor.DType dtype, Optional<Fill> fill, Optional<String> template,
                     String init) implements MultiKeyRule {
        public AddTensor {
            shape = List.copyOf(shape);
            if (fill.isPresent() == template.isPresent()) throw new IllegalArgumentException("add_tensor takes either \"fill\" or \"template\"");
        }

        static AddTensor read(RuleJson j) throws RuleException {
            String name = j.text("dtype", "float32");
            io.weightbench.tensor.DType dtype = io.weightbench.tensor.DType.fromTorchName(name)
                    .orElseThrow(() -> new RuleException("add_tensor: unknown dtype '" + name + "'"));
            List<Long> shape = new ArrayList<>();
            for (long d : j.longs("shape")) {
                if (d < 0) throw new RuleException("add_tensor: negative dimension " + d);
                shape.add(d);
            }
            boolean fromFile = j.has("template");
            if (fromFile == j.has("fill")) throw new RuleException("add_tensor takes either \"fill\" or \"template\" (a file)");
            return new AddTensor(j.text("key"), shape, dtype, fromFile ? Optional.empty() : Optional.of(Fill.read(j, "fill")),
                    fromFile ? Optional.of(j.text("template")) : Optional.empty(), j.text("init", ""));
        }

        public String op() { return "add_tensor"; }

        public String describe() {
            return "add " + key + " " + shape + " " + dtype.torchName() + " = " + fill.map(Fill::describe).orElse("from " + template.orElse(""))
                    + (init.isEmpty() ? "" : " (" + init + ")");
        }

        public void writeJson(ObjectNode o) {
            o.put("key", key);
            shape.forEach(o.withArray("shape")::add);
            o.put("dtype", dtype.torchName());
            fill.ifPresent(f -> o.set("fill", f.toJson()));
            template.ifPresent(t -> o.put("template", t));
            if (!init.isEmpty()) o.put("init", init);
        }

        public TensorSpec spec() { return new TensorSpec(key, shape, dtype); }

        /** The new tensor's data. */
        public TensorData data() throws IOException {
            long[] s = shape.stream().mapToLong(Long::longValue).toArray();
            if (fill.isPresent()) return fill.get().tensor(key, dtype, s);
            java.nio.file.Path file = java.nio.file.Path.of(template.get());
            try (io.weightbench.checkpoint.Checkpoint c = io.weightbench.format.Formats.standard().open(file)) {
                for (io.weightbench.checkpoint.TensorEntry t : c.weights()) {
                    if (!t.key().equals(key)) continue;
                    TensorData d = t.data();
                    if (!java.util.Arrays.equals(d.shape(), s) || d.dtype() != dtype) {
                        throw new RuleException(describe() + ": the template holds '" + key + "' as " + d.dtype().torchName()
                                + java.util.Arrays.toString(d.shape()));
                    }
                    return TensorBytes.materialize(d, dtype);
                }
            }
            throw new RuleException(describe() + ": the template " + file + " has no '" + key + "'");
        }
    }

    /**
     * A Keras recurrent layer's weights as PyTorch's {@code nn.RNN} / {@code nn.LSTM} / {@code nn.GRU}
     * (one layer, {@code _l0}): for each key {@code match} finds (a {@code recurrent_kernel}), its
     * siblings {@code kernel} and {@code bias} (the same key with that last name instead) become
     * {@code weight_ih_l0} (kernel [in, G*h] transposed), {@code weight_hh_l0} (recurrent kernel
     * [h, G*h] transposed), {@code bias_ih_l0} and {@code bias_hh_l0}. The kind comes from the
     * shapes: G = 4 gates is an LSTM (Keras' i, f, c, o is PyTorch's order), 3 a GRU (z, r, h
     * reordered to r, z, n), 1 a SimpleRNN. Keras keeps one bias [G*h] where PyTorch adds two:
     * it becomes bias_ih, and bias_hh is zeros (the sum is the same); a GRU with reset_after
     * (Keras 2's default) keeps [2, 3h], input and recurrent bias, which split into the two. A layer
     * PyTorch's have no equivalent for (a GRU with reset_after=False, a ConvLSTM2D's rank-4
     * kernels) is left as it is, as is a recurrent kernel without its kernel.
     * Built from the ops it amounts to (transpose, reorder_blocks, split, add_tensor), so each
     * output's data is theirs.
     */
    record KerasRecurrent(KeyPattern match) implements Layer {
        static final String RECURRENT = "recurrent_kernel";

        public KerasRecurrent(String match) { this(KeyPattern.literal(match)); }

        static KerasRecurrent read(RuleJson j) throws RuleException { return new KerasRecurrent(j.pattern("match")); }

        public String op() { return "keras_recurrent"; }

        public String describe() { return "keras_recurrent /" + match + "/ (Keras RNN/LSTM/GRU -> PyTorch _l0 weights and biases)"; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()); }

        public boolean matches(String key) { return key.endsWith(RECURRENT) && match.find(key); }

        /** recurrent_kernel, kernel and (when {@code specs} has it) bias. */
        public List<String> inputs(String anchor, java.util.Map<String, TensorSpec> specs) {
            String p = anchor.substring(0, anchor.length() - RECURRENT.length());
            return specs.containsKey(p + "bias") ? List.of(anchor, p + "kernel", p + "bias") : List.of(anchor, p + "kernel");
        }

        /** The outputs for the layer whose recurrent kernel is {@code anchor}, given the current tensors' specs. */
        public List<Output> outputs(String anchor, java.util.Map<String, TensorSpec> specs) throws RuleException {
            String p = anchor.substring(0, anchor.length() - RECURRENT.length());
            TensorSpec rk = specs.get(anchor);
            TensorSpec k = specs.get(p + "kernel");
            TensorSpec b = specs.get(p + "bias");
            // not a layer PyTorch's RNN / LSTM / GRU holds (a ConvLSTM2D's rank-4 kernels, no kernel
            // beside it, another number of gates): left as it is, for the rules after to see
            if (k == null || rk.shape().size() != 2 || k.shape().size() != 2 || rk.shape().get(0) == 0 || rk.shape().get(1) % rk.shape().get(0) != 0
                    || !k.shape().get(1).equals(rk.shape().get(1))) {
                return List.of();
            }
            long h = rk.shape().get(0);
            long gates = rk.shape().get(1) / h;
            if (gates != 1 && gates != 3 && gates != 4) return List.of();
            List<TensorRule> reorder = gates == 3
                    ? List.of(new TensorRule.ReorderBlocks(match, 0, TensorRule.ReorderBlocks.CONVENTIONS.get("keras_gru"), TensorRule.ReorderBlocks.CONVENTIONS.get("torch_gru")))
                    : List.of();
            List<TensorRule> weight = new ArrayList<>();
            weight.add(new TensorRule.Transpose(match, 0, 1));
            weight.addAll(reorder);
            List<Output> out = new ArrayList<>();
            out.add(Output.of(p + "weight_ih_l0", new Piece(p + "kernel", null, 0, weight)));
            out.add(Output.of(p + "weight_hh_l0", new Piece(anchor, null, 0, weight)));
            if (b == null) return out;
            if (b.shape().equals(List.of(gates * h))) {
                if (gates == 3) return List.of(); // a GRU with reset_after=False: PyTorch's GRU cannot express it
                out.add(Output.of(p + "bias_ih_l0", new Piece(p + "bias", null, 0, reorder)));
                out.add(new Output(p + "bias_hh_l0", List.of(), null,
                        new AddTensor(p + "bias_hh_l0", b.shape(), b.dtype(), Optional.of(new Fill.Constant(0)), Optional.empty(), "Keras has one bias: this one is 0")));
            } else if (b.shape().equals(List.of(2L, gates * h))) {
                Split rows = new Split(match, 0, List.of("ih", "hh"), List.of(), true);
                out.add(Output.of(p + "bias_ih_l0", new Piece(p + "bias", rows, 0, reorder)));
                out.add(Output.of(p + "bias_hh_l0", new Piece(p + "bias", rows, 1, reorder)));
            } else {
                return List.of();
            }
            return out;
        }
    }

    /**
     * An op that turns a whole layer of another framework (several keys, found from one anchor
     * key) into PyTorch's tensors, each made of the tensors there by the existing ops: pieces
     * (part of a split, then tensor rules), joined when there are several; or a new tensor.
     * {@link RuleSet} applies it, so each output's data is those ops' data.
     */
    sealed interface Layer extends MultiKeyRule permits KerasRecurrent, KerasAttention {
        /** Whether {@code key} anchors a layer. */
        boolean matches(String key);

        /** The keys the layer anchored by {@code anchor} consumes. */
        List<String> inputs(String anchor, java.util.Map<String, TensorSpec> specs);

        /** What it becomes, in order; nothing when it is not a layer this op converts (its keys are then left as they are). */
        List<Output> outputs(String anchor, java.util.Map<String, TensorSpec> specs) throws RuleException;
    }

    /** One input's contribution: {@code source} (part {@code part} of {@code split} first, when given), then {@code steps}. */
    record Piece(String source, Split split, int part, List<TensorRule> steps) {}

    /** One output: its pieces (concatenated by {@code join} when several), or {@code created}. */
    record Output(String key, List<Piece> pieces, Join join, AddTensor created) {
        static Output of(String key, Piece piece) { return new Output(key, List.of(piece), null, null); }
    }

    /**
     * A Keras {@code MultiHeadAttention} layer as PyTorch's {@code nn.MultiheadAttention}: for each
     * key {@code match} finds (a {@code query/kernel}), the layer's query, key and value kernels
     * [d, heads, head_dim] become one {@code in_proj_weight} [3d, d] (each reshaped to
     * [d, heads*head_dim], transposed, concatenated), their biases [heads, head_dim] one
     * {@code in_proj_bias} [3d], and {@code attention_output/kernel} [heads, head_dim, d]
     * {@code out_proj.weight} [d, d] (its bias {@code out_proj.bias}). The siblings are the same
     * key with {@code key/kernel}, {@code value/bias}... instead of {@code query/kernel}. PyTorch
     * needs heads*head_dim = d for query, key and value.
     */
    record KerasAttention(KeyPattern match) implements Layer {
        static final String QUERY = "query/kernel";

        public KerasAttention(String match) { this(KeyPattern.literal(match)); }

        static KerasAttention read(RuleJson j) throws RuleException { return new KerasAttention(j.pattern("match")); }

        public String op() { return "keras_attention"; }

        public String describe() { return "keras_attention /" + match + "/ (Keras MultiHeadAttention -> nn.MultiheadAttention in_proj / out_proj)"; }

        public void writeJson(ObjectNode o) { o.put("match", match.source()); }

        public boolean matches(String key) { return key.endsWith(QUERY) && match.find(key); }

        public List<String> inputs(String anchor, java.util.Map<String, TensorSpec> specs) {
            String p = anchor.substring(0, anchor.length() - QUERY.length());
            List<String> out = new ArrayList<>();
            for (String part : List.of("query", "key", "value", "attention_output")) {
                for (String w : List.of("/kernel", "/bias")) if (specs.containsKey(p + part + w)) out.add(p + part + w);
            }
            return out;
        }

        public List<Output> outputs(String anchor, java.util.Map<String, TensorSpec> specs) throws RuleException {
            String p = anchor.substring(0, anchor.length() - QUERY.length());
            TensorSpec q = specs.get(anchor);
            if (q.shape().size() != 3) throw new RuleException(describe() + ": '" + anchor + "' " + q.shape() + " is not a Keras attention kernel [d, heads, head_dim]");
            long d = q.shape().get(0);
            long inner = q.shape().get(1) * q.shape().get(2);
            if (inner != d) throw new RuleException(describe() + ": '" + anchor + "' " + q.shape() + ": heads*head_dim " + inner + " is not d " + d + ", which nn.MultiheadAttention needs");
            List<Piece> kernels = new ArrayList<>();
            List<Piece> biases = new ArrayList<>();
            for (String part : List.of("query", "key", "value")) {
                TensorSpec k = specs.get(p + part + "/kernel");
                if (k == null || !k.shape().equals(q.shape())) throw new RuleException(describe() + ": '" + p + part + "/kernel' is missing or not of shape " + q.shape());
                kernels.add(new Piece(p + part + "/kernel", null, 0, List.of(new TensorRule.Reshape(match, new long[] {d, inner}), new TensorRule.Transpose(match, 0, 1))));
                TensorSpec b = specs.get(p + part + "/bias");
                if (b != null) biases.add(new Piece(p + part + "/bias", null, 0, List.of(new TensorRule.Reshape(match, new long[] {inner}))));
            }
            if (!biases.isEmpty() && biases.size() != 3) throw new RuleException(describe() + ": '" + p + "' has biases for some of query, key, value only");
            Join cat = new Join(match, List.of("q", "k", "v"), "qkv", 0, false);
            List<Output> out = new ArrayList<>();
            out.add(new Output(p + "in_proj_weight", kernels, cat, null));
            if (!biases.isEmpty()) out.add(new Output(p + "in_proj_bias", biases, cat, null));
            TensorSpec o = specs.get(p + "attention_output/kernel");
            if (o == null || o.shape().size() != 3 || o.shape().get(0) * o.shape().get(1) != inner) {
                throw new RuleException(describe() + ": '" + p + "attention_output/kernel' is missing or not [heads, head_dim, d]");
            }
            out.add(Output.of(p + "out_proj.weight", new Piece(p + "attention_output/kernel", null, 0,
                    List.of(new TensorRule.Reshape(match, new long[] {inner, o.shape().get(2)}), new TensorRule.Transpose(match, 0, 1)))));
            if (specs.containsKey(p + "attention_output/bias")) out.add(Output.of(p + "out_proj.bias", new Piece(p + "attention_output/bias", null, 0, List.of())));
            return out;
        }
    }
}
