package io.weightbench.format.onnx;

import io.weightbench.format.onnx.proto.OnnxProto.AttributeProto;
import io.weightbench.format.onnx.proto.OnnxProto.NodeProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which nodes consume each initializer, as the per-tensor facts a conversion rule needs: the first
 * consumer's op type, input slot and the input's name in the op's schema (a Conv's {@code W}, a
 * Gemm's {@code B}), the attributes that decide the weight's layout (Gemm's {@code transB}, which
 * says whether the weight is stored [out,in] or [in,out]; a Conv's {@code group}), and, when
 * several nodes consume it, how many and which ops.
 *
 * <p>Info keys (all values are strings): {@code op}, {@code input} (slot, 0-based), {@code role},
 * {@code node}, {@code domain}, {@code transA}/{@code transB}/{@code alpha}/{@code beta} (Gemm),
 * {@code group} (Conv, ConvTranspose), {@code direction}/{@code linear_before_reset} (RNN, GRU,
 * LSTM), {@code consumers} (when not exactly one), {@code ops} (when several: {@code op:slot}
 * with counts).
 */
final class Consumers {

    /** Distinct {@code op:slot} pairs listed for a shared initializer. */
    static final int MAX_LISTED = 8;

    /** The names of each op's inputs by slot (onnx/defs), for the ops whose inputs carry weights. */
    private static final Map<String, List<String>> ROLES = Map.ofEntries(
            Map.entry("Conv", List.of("X", "W", "B")),
            Map.entry("ConvTranspose", List.of("X", "W", "B")),
            Map.entry("ConvInteger", List.of("x", "w", "x_zero_point", "w_zero_point")),
            Map.entry("QLinearConv", List.of("x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B")),
            Map.entry("Gemm", List.of("A", "B", "C")),
            Map.entry("MatMul", List.of("A", "B")),
            Map.entry("MatMulInteger", List.of("A", "B", "a_zero_point", "b_zero_point")),
            Map.entry("BatchNormalization", List.of("X", "scale", "B", "input_mean", "input_var")),
            Map.entry("InstanceNormalization", List.of("input", "scale", "B")),
            Map.entry("LayerNormalization", List.of("X", "Scale", "B")),
            Map.entry("GroupNormalization", List.of("X", "scale", "bias")),
            Map.entry("Gather", List.of("data", "indices")),
            Map.entry("PRelu", List.of("X", "slope")),
            Map.entry("RNN", List.of("X", "W", "R", "B", "sequence_lens", "initial_h")),
            Map.entry("GRU", List.of("X", "W", "R", "B", "sequence_lens", "initial_h")),
            Map.entry("LSTM", List.of("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P")),
            Map.entry("Add", List.of("A", "B")),
            Map.entry("Sub", List.of("A", "B")),
            Map.entry("Mul", List.of("A", "B")),
            Map.entry("Div", List.of("A", "B")),
            Map.entry("Reshape", List.of("data", "shape")),
            Map.entry("QuantizeLinear", List.of("x", "y_scale", "y_zero_point")),
            Map.entry("DequantizeLinear", List.of("x", "x_scale", "x_zero_point")));

    /** The attributes worth showing per op, with ONNX's defaults for those left out. */
    private static final Map<String, Map<String, String>> LAYOUT_ATTRIBUTES = Map.of(
            "Gemm", ordered("transA", "0", "transB", "0", "alpha", "1.0", "beta", "1.0"),
            "Conv", ordered("group", "1"),
            "ConvTranspose", ordered("group", "1"),
            "RNN", ordered("direction", "forward"),
            "GRU", ordered("direction", "forward", "linear_before_reset", "0"),
            "LSTM", ordered("direction", "forward"));

    private static final class Usage {
        final Map<String, String> first = new LinkedHashMap<>();
        final Map<String, Integer> ops = new LinkedHashMap<>();
        int count;
    }

    private final Map<String, Usage> usage = new HashMap<>();

    /** Follows only these names (the initializers'); other node inputs are activations. */
    Consumers(Set<String> initializers) {
        for (String name : initializers) usage.put(name, new Usage());
    }

    void node(NodeProto node) {
        for (int slot = 0; slot < node.getInputCount(); slot++) {
            String input = node.getInput(slot);
            if (input.isEmpty()) continue; // an optional input left out
            Usage u = usage.get(input);
            if (u == null) continue;
            u.count++;
            String key = node.getOpType() + ":" + slot;
            if (u.ops.containsKey(key) || u.ops.size() < MAX_LISTED) u.ops.merge(key, 1, Integer::sum);
            if (u.count == 1) describe(node, slot, u.first);
        }
    }

    private static void describe(NodeProto node, int slot, Map<String, String> info) {
        String op = node.getOpType();
        info.put("op", op);
        info.put("input", Integer.toString(slot));
        List<String> roles = ROLES.get(op);
        boolean standard = node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
        if (standard && roles != null && slot < roles.size()) info.put("role", roles.get(slot));
        if (!standard) info.put("domain", node.getDomain());
        if (!node.getName().isEmpty()) info.put("node", node.getName());
        Map<String, String> wanted = standard ? LAYOUT_ATTRIBUTES.get(op) : null;
        if (wanted == null) return;
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            String value = w.getValue();
            for (AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals(w.getKey())) value = text(a, value);
            }
            info.put(w.getKey(), value);
        }
    }

    private static String text(AttributeProto a, String fallback) {
        if (a.hasI()) return Long.toString(a.getI());
        if (a.hasF()) return Float.toString(a.getF());
        if (a.hasS()) return a.getS().toStringUtf8();
        return fallback;
    }

    /** The facts about {@code name}'s consumers, for its tensor's info. */
    Map<String, String> info(String name) {
        Usage u = usage.get(name);
        Map<String, String> info = new LinkedHashMap<>();
        if (u == null) return info;
        info.putAll(u.first);
        if (u.count != 1) info.put("consumers", Integer.toString(u.count));
        if (u.count > 1) {
            List<String> parts = new ArrayList<>();
            int listed = 0;
            for (Map.Entry<String, Integer> e : u.ops.entrySet()) {
                parts.add(e.getValue() > 1 ? e.getKey() + " (x" + e.getValue() + ")" : e.getKey());
                listed += e.getValue();
            }
            if (listed < u.count) parts.add("...");
            info.put("ops", String.join(", ", parts));
        }
        return info;
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
