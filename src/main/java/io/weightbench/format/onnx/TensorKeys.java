package io.weightbench.format.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys tensors are listed under: an initializer's own name, unless it is empty ({@code
 * initializer_<n>}) or already taken by an earlier tensor ({@code name#2}, {@code name#3}, ...).
 * Both are said in warnings, a few names each, so a file of a million equal names costs neither
 * quadratic time nor a million warnings.
 */
final class TensorKeys {

    private final Set<String> taken = new HashSet<>();
    private final Map<String, Integer> nextSuffix = new HashMap<>();
    private final List<String> renamed = new ArrayList<>();
    private int renamedCount;
    private int unnamed;

    String key(String name) {
        String base = name;
        if (name.isEmpty()) {
            unnamed++;
            base = "initializer_" + unnamed;
        }
        if (taken.add(base)) return base;
        int n = nextSuffix.getOrDefault(base, 2);
        String key = base + "#" + n;
        while (!taken.add(key)) key = base + "#" + ++n;
        nextSuffix.put(base, n + 1);
        renamedCount++;
        if (renamed.size() < InitializerTensors.NAMED) renamed.add("'" + Text.shorten(key) + "'");
        return key;
    }

    void warnings(List<String> warnings) {
        if (unnamed > 0) warnings.add(unnamed + " initializer" + (unnamed == 1 ? " has" : "s have") + " no name; listed as initializer_1, ...");
        if (renamedCount > 0) {
            warnings.add(renamedCount + " initializer" + (renamedCount == 1 ? "" : "s") + " reuse" + (renamedCount == 1 ? "s" : "")
                    + " the name of an earlier one and " + (renamedCount == 1 ? "is" : "are") + " listed as "
                    + String.join(", ", renamed) + (renamedCount > renamed.size() ? ", ..." : ""));
        }
    }
}
