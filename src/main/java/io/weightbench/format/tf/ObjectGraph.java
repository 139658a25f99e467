package io.weightbench.format.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weightbench.format.FormatException;
import io.weightbench.format.tf.proto.TrackableObjectGraph;
import io.weightbench.format.tf.proto.TrackableObjectGraph.TrackableObject;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TF2's object graph ({@code _CHECKPOINTABLE_OBJECT_GRAPH}): which object saved which checkpoint
 * key. Gives each key the readable path of its object (the local names from the root, found
 * breadth-first as TensorFlow names objects: {@code model/layer-1/kernel}), the attribute's
 * full name, and for an optimizer slot its slot name and the variable it belongs to.
 */
final class ObjectGraph {

    /** Longer readable paths are cut: they only label a tensor. */
    static final int MAX_PATH = 4096;
    /** Characters spent walking paths in all: a hostile graph of deep, long paths costs no more than this. */
    static final long PATH_BUDGET = 64L << 20;

    private final Map<String, Map<String, String>> infoByKey;
    private final int nodes;

    private ObjectGraph(Map<String, Map<String, String>> infoByKey, int nodes) {
        this.infoByKey = infoByKey;
        this.nodes = nodes;
    }

    static ObjectGraph parse(byte[] serialized) throws FormatException {
        TrackableObjectGraph g;
        try {
            g = TrackableObjectGraph.parseFrom(serialized);
        } catch (InvalidProtocolBufferException e) {
            throw new FormatException("its object graph (_CHECKPOINTABLE_OBJECT_GRAPH) is not a valid TrackableObjectGraph (" + e.getMessage() + ")");
        }
        int n = g.getNodesCount();
        int[] parent = new int[n];
        String[] localName = new String[n];
        Arrays.fill(parent, -2);
        if (n > 0) parent[0] = -1;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        if (n > 0) queue.add(0);
        while (!queue.isEmpty()) {
            int id = queue.poll();
            for (TrackableObject.ObjectReference child : g.getNodes(id).getChildrenList()) {
                int c = child.getNodeId();
                if (c < 0 || c >= n) {
                    throw new FormatException("its object graph refers to node " + c + " of " + n);
                }
                if (parent[c] != -2) continue;
                parent[c] = id;
                localName[c] = child.getLocalName();
                queue.add(c);
            }
        }
        Map<Integer, TrackableObject.SlotVariableReference> slotOf = new HashMap<>();
        for (TrackableObject node : g.getNodesList()) {
            for (TrackableObject.SlotVariableReference s : node.getSlotVariablesList()) slotOf.put(s.getSlotVariableNodeId(), s);
        }
        Map<String, Map<String, String>> info = new HashMap<>();
        Paths paths = new Paths(parent, localName);
        for (int id = 0; id < n; id++) {
            for (TrackableObject.SerializedTensor a : g.getNodes(id).getAttributesList()) {
                Map<String, String> m = new LinkedHashMap<>();
                paths.of(id).ifPresent(p -> m.put("object_path", p));
                if (!a.getFullName().isEmpty()) m.put("full_name", a.getFullName());
                if (!a.getName().equals("VARIABLE_VALUE")) m.put("attribute", a.getName());
                TrackableObject.SlotVariableReference s = slotOf.get(id);
                if (s != null) {
                    m.put("optimizer_slot", s.getSlotName());
                    int orig = s.getOriginalVariableNodeId();
                    if (orig >= 0 && orig < n) paths.of(orig).ifPresent(p -> m.put("slot_of", p));
                }
                info.put(a.getCheckpointKey(), m);
            }
        }
        return new ObjectGraph(info, n);
    }

    /** Readable paths of nodes, each walked once, all within {@link #PATH_BUDGET}. */
    private static final class Paths {
        private final int[] parent;
        private final String[] localName;
        private final Map<Integer, String> known = new HashMap<>();
        private long budget = PATH_BUDGET;

        Paths(int[] parent, String[] localName) {
            this.parent = parent;
            this.localName = localName;
        }

        /** The local names from the root to a node, if it is reachable; cut at {@link #MAX_PATH} characters. */
        java.util.Optional<String> of(int id) {
            if (parent[id] == -2 || budget <= 0) return java.util.Optional.ofNullable(known.get(id));
            String cached = known.get(id);
            if (cached != null) return java.util.Optional.of(cached);
            java.util.List<String> names = new java.util.ArrayList<>();
            int length = 0;
            for (int at = id; parent[at] >= 0; at = parent[at]) {
                names.add(localName[at]);
                length += localName[at].length() + 1;
                if (length > MAX_PATH) {
                    names.add("...");
                    break;
                }
            }
            budget -= length + names.size();
            java.util.Collections.reverse(names);
            String p = String.join("/", names);
            known.put(id, p);
            return java.util.Optional.of(p);
        }
    }

    /** What the graph says about a checkpoint key (empty if it names none of its attributes). */
    Map<String, String> info(String checkpointKey) {
        return infoByKey.getOrDefault(checkpointKey, Map.of());
    }

    int nodes() { return nodes; }
}
