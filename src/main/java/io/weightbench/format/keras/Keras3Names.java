package io.weightbench.format.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightbench.json.JsonTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Keras weight names of a Keras 3 weights file's positional variables. Keras 3 saves a layer's
 * variables as {@code <path>/vars/<i>}, i over {@code trainable + non_trainable} variables in the
 * order the layer's {@code build()} creates them ({@code Layer.save_own_variables}), and names a
 * layer in a container ({@code layers/...}) by the snake case of its class, numbered per class
 * ({@code dense}, {@code dense_1}, {@code conv2d}; {@code saving_lib._save_container_state}). So the
 * path gives the class, and the same-class layer of that rank in config.json's layer list gives its
 * flags ({@code use_bias}, {@code center}, {@code scale}) and with them which variables exist.
 * Without the layer in config.json (a subclassed model, a bare weights file) the flags are taken
 * from the number of variables when only one set of them fits it. Each named variable maps to
 * {@code <path>/<weight name>} ({@code layers/conv2d/vars/0} to {@code layers/conv2d/kernel}); a
 * recurrent layer's cell variables to the layer's path, a MultiHeadAttention's projections to
 * Keras 2's {@code query}, {@code key}, {@code value}, {@code attention_output}.
 */
final class Keras3Names {

    /** The metadata key that holds the names, a JSON object {key: named key}, for the keras preset's keras_names rule. */
    static final String METADATA = "keras_weight_names";

    private static final Pattern VAR = Pattern.compile("^(.*)/vars/(\\d+)$");
    private static final Pattern NUMBERED = Pattern.compile("^(.*?)(?:_(\\d+))?$");

    /** One variable of a layer class: its name and the config flag it exists under (null: always). */
    private record Var(String name, String flag) {}

    private static final List<Var> KERNEL_BIAS = List.of(new Var("kernel", null), new Var("bias", "use_bias"));
    private static final List<Var> RECURRENT = List.of(new Var("kernel", null), new Var("recurrent_kernel", null), new Var("bias", "use_bias"));
    private static final Map<String, List<Var>> CLASSES = new LinkedHashMap<>();
    private static final Map<String, String> ATTENTION = Map.of("query_dense", "query", "key_dense", "key", "value_dense", "value",
            "output_dense", "attention_output");

    static {
        for (String c : List.of("Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                "DepthwiseConv1D", "DepthwiseConv2D")) CLASSES.put(c, KERNEL_BIAS);
        CLASSES.put("EinsumDense", List.of(new Var("kernel", null), new Var("bias", "bias_axes")));
        for (String c : List.of("SeparableConv1D", "SeparableConv2D")) {
            CLASSES.put(c, List.of(new Var("depthwise_kernel", null), new Var("pointwise_kernel", null), new Var("bias", "use_bias")));
        }
        CLASSES.put("BatchNormalization", List.of(new Var("gamma", "scale"), new Var("beta", "center"), new Var("moving_mean", null),
                new Var("moving_variance", null)));
        CLASSES.put("LayerNormalization", List.of(new Var("gamma", "scale"), new Var("beta", "center")));
        CLASSES.put("Embedding", List.of(new Var("embeddings", null)));
        for (String c : List.of("LSTM", "GRU", "SimpleRNN")) CLASSES.put(c, RECURRENT);
    }

    private static final Map<String, String> BY_SNAKE = new LinkedHashMap<>();

    static {
        for (String c : CLASSES.keySet()) BY_SNAKE.put(snake(c), c);
        BY_SNAKE.put(snake("MultiHeadAttention"), "MultiHeadAttention");
    }

    private Keras3Names() {}

    /** Keras' {@code naming.to_snake_case}: {@code Conv2DTranspose} -> {@code conv2d_transpose}. */
    static String snake(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A layer found on a path: its class, its config (null when config.json does not hold it) and
     * its place in config.json (the index in each layer list along the path; null when not there).
     */
    private record Layer(String className, JsonNode config, List<Integer> place) {}

    /** The names ({key: named key}) and the model's keys in config.json's layer order. */
    record Named(Map<String, String> names, List<String> order) {}

    /**
     * {key: named key} for the keys of variables whose layer is known; the other layers' variables
     * are named in one warning. {@code configJson} is the archive's config.json, or null.
     */
    static Named of(String configJson, List<String> keys, List<String> warnings) {
        JsonNode top = layersOf(parse(configJson));
        Map<String, TreeMap<Integer, String>> byLayer = new LinkedHashMap<>();
        for (String k : keys) {
            Matcher m = VAR.matcher(k);
            if (m.matches() && m.group(2).length() < 9) byLayer.computeIfAbsent(m.group(1), p -> new TreeMap<>()).put(Integer.parseInt(m.group(2)), k);
        }
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, List<Integer>> places = new LinkedHashMap<>();
        List<String> unnamed = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Integer, String>> e : byLayer.entrySet()) {
            String path = e.getKey();
            TreeMap<Integer, String> vars = e.getValue();
            Optional<List<String>> names = Optional.empty();
            String named = path;
            String[] seg = path.split("/");
            String last = seg[seg.length - 1];
            Layer layer = find(seg, top);
            // an attribute of a layer: a recurrent layer's cell, a MultiHeadAttention's projections
            Layer owner = layer == null && seg.length >= 2 ? find(java.util.Arrays.copyOf(seg, seg.length - 1), top) : null;
            Layer placed = layer != null ? layer : owner;
            if (placed != null && placed.place() != null) places.put(path, placed.place());
            if (vars.lastKey() != vars.size() - 1) {
                // a gap in the numbering: not as Keras writes it, names would be guesses
            } else if (layer != null && CLASSES.containsKey(layer.className())) {
                names = names(CLASSES.get(layer.className()), layer.config(), vars.size());
            } else if (owner != null && "cell".equals(last) && RECURRENT == CLASSES.get(owner.className())) {
                names = names(RECURRENT, owner.config(), vars.size());
                named = path.substring(0, path.length() - "/cell".length());
            } else if (owner != null && ATTENTION.containsKey(last) && owner.className().equals("MultiHeadAttention")) {
                names = names(KERNEL_BIAS, owner.config(), vars.size());
                named = path.substring(0, path.length() - last.length()) + ATTENTION.get(last);
            }
            if (names.isEmpty()) {
                unnamed.add(path);
                continue;
            }
            int i = 0;
            for (String k : vars.values()) out.put(k, named + "/" + names.get().get(i++));
        }
        if (!unnamed.isEmpty()) {
            warnings.add("the variables of " + unnamed.size() + " Keras 3 layer(s) keep their positional names (vars/<i>): their class or "
                    + "flags are not known: " + String.join(", ", unnamed.subList(0, Math.min(8, unnamed.size())))
                    + (unnamed.size() > 8 ? ", ..." : ""));
        }
        List<String> order = new ArrayList<>(keys);
        order.sort(java.util.Comparator.comparing((String k) -> placeOf(k, places), Keras3Names::compare));
        return new Named(out, order);
    }

    /** The place in config.json of a key's layer; null (sorted last) when its layer is not there. */
    private static List<Integer> placeOf(String key, Map<String, List<Integer>> places) {
        Matcher m = VAR.matcher(key);
        return m.matches() ? places.get(m.group(1)) : null;
    }

    /** Lexicographic, null last: a stable sort keeps the file's order among equals. */
    private static int compare(List<Integer> a, List<Integer> b) {
        if (a == null || b == null) return a == b ? 0 : a == null ? 1 : -1;
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Integer.compare(a.get(i), b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    }

    /** The names as a metadata value, a JSON object. */
    static String json(Map<String, String> names) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        names.forEach(o::put);
        return o.toString();
    }

    /**
     * The layer at {@code seg}'s path, made of {@code layers/<snake class>[_N]} steps: for each, the
     * N-th layer of that class in the config's layer list when it has one (then its own layers for
     * the next step), else the class alone; null for any other path.
     */
    private static Layer find(String[] seg, JsonNode layers) {
        if (seg.length == 0 || seg.length % 2 != 0) return null;
        Layer found = null;
        List<Integer> place = new ArrayList<>();
        for (int i = 0; i < seg.length; i += 2) {
            if (!seg[i].equals("layers")) return null;
            Matcher m = NUMBERED.matcher(seg[i + 1]);
            if (!m.matches()) return null;
            String base = m.group(1);
            int rank = m.group(2) == null || m.group(2).length() > 8 ? 0 : Integer.parseInt(m.group(2));
            found = nth(layers, base, rank, place);
            if (found == null) {
                String cls = BY_SNAKE.getOrDefault(seg[i + 1], BY_SNAKE.get(base));
                if (cls == null) return null;
                found = new Layer(cls, null, null);
            }
            place = found.place();
            layers = found.config() == null ? null : layersOf(found.config());
        }
        return found;
    }

    /** The rank-th layer whose class has {@code base} as its snake case in a config layer list. */
    private static Layer nth(JsonNode layers, String base, int rank, List<Integer> place) {
        if (layers == null || rank < 0 || place == null) return null;
        int seen = 0;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            String cls = l.path("class_name").asText("");
            if (!snake(cls).equals(base)) continue;
            if (seen++ == rank) {
                List<Integer> here = new ArrayList<>(place);
                here.add(i);
                return new Layer(cls, l.path("config"), here);
            }
        }
        return null;
    }

    /** The list of layers of a model's config ({@code config.layers}), or null. */
    private static JsonNode layersOf(JsonNode node) {
        if (node == null) return null;
        JsonNode config = node.has("config") && node.get("config").isObject() ? node.get("config") : node;
        JsonNode layers = config.get("layers");
        return layers != null && layers.isArray() ? layers : null;
    }

    /**
     * The names of a layer's {@code count} variables: by its config's flags when it has a config
     * (absent flags are Keras' defaults, true), else the one flag setting whose variables number
     * {@code count}; empty when none or several fit (a quantized or LoRA layer has more).
     */
    private static Optional<List<String>> names(List<Var> vars, JsonNode config, int count) {
        List<String> flags = new ArrayList<>();
        for (Var v : vars) if (v.flag() != null && !flags.contains(v.flag())) flags.add(v.flag());
        if (config != null && !config.isMissingNode()) {
            if (config.path("renorm").asBoolean(false) || config.path("rms_scaling").asBoolean(false)) return Optional.empty();
            List<String> n = new ArrayList<>();
            for (Var v : vars) if (v.flag() == null || on(config.get(v.flag()))) n.add(v.name());
            return n.size() == count ? Optional.of(n) : Optional.empty();
        }
        List<List<String>> fits = new ArrayList<>();
        for (int mask = 0; mask < 1 << flags.size(); mask++) {
            List<String> n = new ArrayList<>();
            for (Var v : vars) if (v.flag() == null || (mask & 1 << flags.indexOf(v.flag())) != 0) n.add(v.name());
            if (n.size() == count && !fits.contains(n)) fits.add(n);
        }
        return fits.size() == 1 ? Optional.of(fits.get(0)) : Optional.empty();
    }

    /** A flag's value: absent is Keras' default (true), a boolean itself, null false, a string (bias_axes) whether non-empty. */
    private static boolean on(JsonNode v) {
        if (v == null || v.isMissingNode()) return true;
        if (v.isBoolean()) return v.asBoolean();
        if (v.isNull()) return false;
        return !v.asText("").isEmpty();
    }

    private static JsonNode parse(String json) {
        if (json == null) return null;
        try {
            JsonNode n = JsonTree.read(json.getBytes(StandardCharsets.UTF_8));
            return n.isObject() ? n : null;
        } catch (IOException e) {
            return null; // KerasConfig already warned
        }
    }
}
