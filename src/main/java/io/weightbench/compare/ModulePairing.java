package io.weightbench.compare;

import io.weightbench.model.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs what names cannot map (Keras' {@code conv2d_17}, ONNX's {@code onnx::Conv_193}) by shape
 * and order. Keys are grouped into modules (the key up to its last dot), and modules into layers:
 * a module with a weight of rank 2 or more and the modules of only rank 0-1 tensors after it (a
 * convolution and its BatchNorm). Layers with the same shapes are paired in their order on each
 * side, and only when both sides hold as many of them — so a block that creates its shortcut
 * before its main branch (Keras applications) still pairs, as the shortcut's 1x1 layer has other
 * shapes than the main branch's. Two tensors whose shapes differ are never paired; what cannot be
 * paired is listed with the reason.
 */
public final class ModulePairing {

    /** A checkpoint key renamed to a model key, and why. */
    public record Pair(String checkpointKey, String modelKey, List<Long> shape, String evidence) {}

    /** A key on one side with no partner, and why. */
    public record Unpaired(String key, boolean inModel, String reason) {}

    public record Result(List<Pair> pairs, List<Unpaired> unpaired) {}

    private record Module(String name, List<TensorSpec> tensors) {
        List<List<Long>> shapes() { return tensors.stream().map(TensorSpec::shape).toList(); }

        boolean opensLayer() { return tensors.stream().anyMatch(t -> t.shape().size() >= 2); }
    }

    private record Layer(List<Module> modules) {
        List<List<List<Long>>> signature() { return modules.stream().map(Module::shapes).toList(); }

        String describe() { return modules.stream().map(Module::name).toList().toString(); }
    }

    private ModulePairing() {}

    /** Pairs {@code model} keys (in the model's order) with {@code checkpoint} keys (in the file's order). */
    public static Result pair(List<TensorSpec> model, List<TensorSpec> checkpoint) {
        List<Layer> m = layers(modules(model));
        List<Layer> c = layers(modules(checkpoint));
        Map<List<List<List<Long>>>, List<Layer>> mBy = bucket(m);
        Map<List<List<List<Long>>>, List<Layer>> cBy = bucket(c);
        List<Pair> pairs = new ArrayList<>();
        List<Unpaired> unpaired = new ArrayList<>();
        for (Map.Entry<List<List<List<Long>>>, List<Layer>> e : mBy.entrySet()) {
            List<Layer> want = e.getValue();
            List<Layer> have = cBy.getOrDefault(e.getKey(), List.of());
            if (want.size() != have.size()) {
                String reason = want.size() + " layer(s) of shapes " + e.getKey() + " in the model, " + have.size() + " in the checkpoint";
                for (Layer l : want) for (Module mod : l.modules()) for (TensorSpec t : mod.tensors()) unpaired.add(new Unpaired(t.key(), true, reason));
                for (Layer l : have) for (Module mod : l.modules()) for (TensorSpec t : mod.tensors()) unpaired.add(new Unpaired(t.key(), false, reason));
                continue;
            }
            for (int i = 0; i < want.size(); i++) {
                String evidence = want.size() == 1 ? "the only layer of shapes " + e.getKey() + " on both sides"
                        : "layer " + (i + 1) + " of " + want.size() + " with shapes " + e.getKey() + ", in order on both sides";
                pairLayer(want.get(i), have.get(i), evidence, pairs);
            }
        }
        for (Map.Entry<List<List<List<Long>>>, List<Layer>> e : cBy.entrySet()) {
            if (mBy.containsKey(e.getKey())) continue;
            for (Layer l : e.getValue()) {
                for (Module mod : l.modules()) {
                    for (TensorSpec t : mod.tensors()) unpaired.add(new Unpaired(t.key(), false, "no model layer has the shapes " + e.getKey()));
                }
            }
        }
        return new Result(pairs, unpaired);
    }

    private static void pairLayer(Layer model, Layer checkpoint, String evidence, List<Pair> out) {
        for (int i = 0; i < model.modules().size(); i++) {
            Module a = model.modules().get(i);
            Module b = checkpoint.modules().get(i);
            List<String> aNames = a.tensors().stream().map(t -> param(t.key())).toList();
            List<String> bNames = b.tensors().stream().map(t -> param(t.key())).toList();
            boolean byName = new java.util.HashSet<>(aNames).equals(new java.util.HashSet<>(bNames)) && aNames.size() == bNames.size();
            for (int j = 0; j < a.tensors().size(); j++) {
                TensorSpec want = a.tensors().get(j);
                TensorSpec have = byName ? b.tensors().get(bNames.indexOf(aNames.get(j))) : b.tensors().get(j);
                if (!want.shape().equals(have.shape())) continue; // same names, other order: never pair unlike shapes
                out.add(new Pair(have.key(), want.key(), want.shape(), evidence + (byName ? "" : "; parameters paired in order")));
            }
        }
    }

    private static String param(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? "" : key.substring(dot + 1);
    }

    private static String moduleOf(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    private static List<Module> modules(List<TensorSpec> tensors) {
        Map<String, List<TensorSpec>> by = new LinkedHashMap<>();
        for (TensorSpec t : tensors) by.computeIfAbsent(moduleOf(t.key()), k -> new ArrayList<>()).add(t);
        List<Module> out = new ArrayList<>();
        by.forEach((k, v) -> out.add(new Module(k, v)));
        return out;
    }

    private static List<Layer> layers(List<Module> modules) {
        List<Layer> out = new ArrayList<>();
        List<Module> current = new ArrayList<>();
        for (Module m : modules) {
            if (m.opensLayer() && !current.isEmpty()) {
                out.add(new Layer(current));
                current = new ArrayList<>();
            }
            current.add(m);
        }
        if (!current.isEmpty()) out.add(new Layer(current));
        return out;
    }

    private static Map<List<List<List<Long>>>, List<Layer>> bucket(List<Layer> layers) {
        Map<List<List<List<Long>>>, List<Layer>> out = new LinkedHashMap<>();
        for (Layer l : layers) out.computeIfAbsent(l.signature(), k -> new ArrayList<>()).add(l);
        return out;
    }
}
