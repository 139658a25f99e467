package io.weightbench.rules;

import io.weightbench.tensor.TensorData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a tensor after the rules is made from the checkpoint's tensors: a source tensor, a tensor
 * rule applied to one, a part of a split, or a join of several. Computing its data asks only for
 * the sources it needs, and each op computes its own effect.
 */
public sealed interface Lineage {

    /** Gives a source tensor's data by its key in the checkpoint. */
    @FunctionalInterface
    interface Sources {
        TensorData get(String originalKey) throws IOException;
    }

    /** The tensor's data (views where the ops allow). */
    TensorData data(Sources sources) throws IOException;

    /** The checkpoint keys this tensor is made from, in order. */
    List<String> sources();

    /** Whether the data differs from one source tensor's (any tensor rule, split or join on the way). */
    default boolean changesData() { return !(this instanceof Source); }

    record Source(String key) implements Lineage {
        public TensorData data(Sources s) throws IOException { return s.get(key); }

        public List<String> sources() { return List.of(key); }
    }

    /** {@code rule} applied to {@code from}, when the tensor was named {@code key}. */
    record Transformed(Lineage from, TensorRule rule, String key) implements Lineage {
        public TensorData data(Sources s) throws IOException { return TensorRule.transformAll(from.data(s), List.of(rule), key); }

        public List<String> sources() { return from.sources(); }
    }

    record Part(Lineage from, MultiKeyRule.Split rule, int index, String key) implements Lineage {
        public TensorData data(Sources s) throws IOException { return rule.part(from.data(s), key, index); }

        public List<String> sources() { return from.sources(); }
    }

    record Joined(List<Lineage> parts, MultiKeyRule.Join rule, String key) implements Lineage {
        public Joined {
            parts = List.copyOf(parts);
        }

        public TensorData data(Sources s) throws IOException {
            List<TensorData> in = new ArrayList<>();
            for (Lineage p : parts) in.add(p.data(s));
            return rule.join(in, key);
        }

        public List<String> sources() {
            List<String> out = new ArrayList<>();
            for (Lineage p : parts) out.addAll(p.sources());
            return out;
        }
    }

    /** A tensor the rules add ({@code add_tensor}): made from no tensor of the checkpoint. */
    record Created(MultiKeyRule.AddTensor rule) implements Lineage {
        public TensorData data(Sources s) throws IOException { return rule.data(); }

        public List<String> sources() { return List.of(); }
    }
}
