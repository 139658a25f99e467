package io.weightbench.app;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import javafx.scene.control.TreeItem;

/**
 * A node of a key tree: keys split at dots, each module rolling up what lies under it ("layer4:
 * 12 missing"). A node is a module, a key, or (rarely) both.
 */
final class KeyNode {

    final String name;
    /** The module prefix or key this node stands for (no trailing dot); "" for the root. */
    final String path;
    KeyRow row;
    final Map<Status, Integer> counts = new EnumMap<>(Status.class);
    long params;
    long bytes;
    int keys;

    KeyNode(String name, String path) {
        this.name = name;
        this.path = path;
    }

    boolean isKey() { return row != null; }

    /** "23.3 KiB". */
    String bytesText() {
        return io.weightbench.tensor.ByteCounts.human(bytes);
    }

    /** The most severe status under this node. */
    Status worst() {
        for (Status s : Status.values()) if (counts.getOrDefault(s, 0) > 0) return s;
        return Status.LISTED;
    }

    int problems() {
        int n = 0;
        for (Map.Entry<Status, Integer> e : counts.entrySet()) if (e.getKey().isProblem()) n += e.getValue();
        return n;
    }

    /** "12 missing, 3 unexpected" for a module; the status and note for a key. */
    String statusText() {
        if (worst() == Status.LISTED) return "";
        if (isKey() && keys == 1) return row.status().label + (row.note().isEmpty() ? "" : ": " + row.note());
        List<String> parts = new ArrayList<>();
        for (Status s : Status.values()) {
            int n = counts.getOrDefault(s, 0);
            if (n > 0 && s != Status.MATCHED && s != Status.LISTED) parts.add(n + " " + s.label);
        }
        int matched = counts.getOrDefault(Status.MATCHED, 0);
        if (parts.isEmpty()) return "all " + matched + " matched";
        return String.join(", ", parts);
    }

    /** The tree of the rows that pass {@code filter}; {@code index} receives every node by path. */
    static TreeItem<KeyNode> build(List<KeyRow> rows, Predicate<KeyRow> filter, Map<String, TreeItem<KeyNode>> index) {
        TreeItem<KeyNode> root = new TreeItem<>(new KeyNode("", ""));
        Map<String, TreeItem<KeyNode>> byPath = new LinkedHashMap<>();
        byPath.put("", root);
        for (KeyRow r : rows) {
            if (!filter.test(r)) continue;
            String[] parts = r.key().split("\\.", -1);
            TreeItem<KeyNode> parent = root;
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) path.append('.');
                path.append(parts[i]);
                String p = path.toString();
                TreeItem<KeyNode> item = byPath.get(p);
                if (item == null) {
                    item = new TreeItem<>(new KeyNode(parts[i], p));
                    byPath.put(p, item);
                    parent.getChildren().add(item);
                }
                KeyNode n = item.getValue();
                n.counts.merge(r.status(), 1, Integer::sum);
                n.params += r.numel();
                n.bytes += r.bytes();
                n.keys++;
                parent = item;
            }
            parent.getValue().row = r;
        }
        KeyNode top = root.getValue();
        for (KeyRow r : rows) {
            if (!filter.test(r)) continue;
            top.counts.merge(r.status(), 1, Integer::sum);
            top.params += r.numel();
            top.bytes += r.bytes();
            top.keys++;
        }
        index.clear();
        index.putAll(byPath);
        return root;
    }
}
