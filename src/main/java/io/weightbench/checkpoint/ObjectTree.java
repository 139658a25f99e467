package io.weightbench.checkpoint;

import io.weightbench.format.pickle.NumpyArray;
import io.weightbench.format.pickle.PyDict;
import io.weightbench.format.pickle.PyObject;
import io.weightbench.format.pickle.PyTuple;
import io.weightbench.format.pickle.PyValues;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Flattens a checkpoint's object tree into tensors and objects under their keys (DESIGN.md, "Tensor
 * keys"). Pickled {@code nn.Module}s are listed under their state_dict keys; cycles, very deep
 * nesting and exponentially shared structures stop the walk with a warning, never a hang.
 */
public final class ObjectTree {

    static final int MAX_DEPTH = 400;
    static final long MAX_VISITS = 1_000_000;
    /**
     * The key segments all listed entries may hold together: a shared structure (an 826-byte DAG
     * of dicts) can name a million tensors forty levels deep, which would fill a small heap.
     */
    static final long MAX_PATH_SEGMENTS = 4_000_000;

    /** The segment under which a non-dict object state is listed, e.g. a TorchScript {@code __getstate__}. */
    public static final String STATE = "<state>";
    public static final String ARGS = "<args>";
    /** The key of a file's root value when that value is itself a tensor. */
    public static final String ROOT = "<root>";

    private final List<TensorEntry> tensors = new ArrayList<>();
    private final List<ObjectEntry> objects = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<Object> onPath = Collections.newSetFromMap(new IdentityHashMap<>());
    private long visits;
    private long segments;
    private boolean cutShort;

    public static ObjectTree flatten(Object root) {
        ObjectTree t = new ObjectTree();
        if (root instanceof TensorValue tv) {
            t.tensors.add(new TensorEntry(List.of(ROOT), tv.data(), tv.parameter(), tv.info()));
        } else {
            t.walk(root, new ArrayList<>(), false);
        }
        return t;
    }

    public List<TensorEntry> tensors() { return tensors; }

    public List<ObjectEntry> objects() { return objects; }

    public List<String> warnings() { return warnings; }

    public static String join(List<String> path) { return String.join(".", path); }

    /** True for placeholders that are torch modules: eager ones (by their state) and TorchScript ones. */
    public static boolean isModule(Object v) {
        if (!(v instanceof PyObject o)) return false;
        Map<Object, Object> a = o.attributes();
        return (a.containsKey("_parameters") && a.containsKey("_modules")) || o.typeName().startsWith("__torch__.");
    }

    private void walk(Object v, List<String> path, boolean insideObject) {
        if (cutShort) return;
        if (++visits > MAX_VISITS) {
            stop("the object tree has more than " + MAX_VISITS + " nodes (shared structure?); listing stopped there");
            return;
        }
        if (path.size() > MAX_DEPTH) {
            stop("objects nested deeper than " + MAX_DEPTH + " levels at " + abbreviate(join(path)) + "; listing stopped there");
            return;
        }
        if (v instanceof TensorValue tv) {
            if (overSegments(path)) return;
            tensors.add(new TensorEntry(path, tv.data(), tv.parameter(), tv.info()));
            return;
        }
        if (v instanceof PyObject o && o.resolved().isPresent()) {
            walk(o.resolved().get(), path, insideObject);
            return;
        }
        boolean container = v instanceof Map || v instanceof List || v instanceof PyTuple || v instanceof PyObject;
        if (!container) {
            if (v instanceof NumpyArray a) {
                if (overSegments(path)) return;
                objects.add(new ObjectEntry(path, "numpy.ndarray", a.descr() + " " + a.shape()));
            }
            return;
        }
        if (!onPath.add(v)) return; // a cycle: the value contains itself
        try {
            if (v instanceof PyDict d) {
                for (Map.Entry<Object, Object> e : d.entrySet()) walk(e.getValue(), with(path, PyValues.keyText(e.getKey())), insideObject);
            } else if (v instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) walk(e.getValue(), with(path, PyValues.keyText(e.getKey())), insideObject);
            } else if (v instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) walk(l.get(i), with(path, Integer.toString(i)), insideObject);
            } else if (v instanceof PyTuple t) {
                for (int i = 0; i < t.size(); i++) walk(t.get(i), with(path, Integer.toString(i)), insideObject);
            } else if (v instanceof PyObject o) {
                walkObject(o, path, insideObject);
            }
        } finally {
            onPath.remove(v);
        }
    }

    private void walkObject(PyObject o, List<String> path, boolean insideObject) {
        Map<Object, Object> attrs = o.attributes();
        boolean eagerModule = attrs.containsKey("_parameters") && attrs.containsKey("_modules");
        // Objects nested in another object are part of its summary, not entries of their own.
        if (!insideObject && !overSegments(path)) objects.add(new ObjectEntry(path, o.typeName(), summary(o)));
        if (eagerModule) {
            walkModule(attrs, path);
            return;
        }
        if (!attrs.isEmpty()) {
            for (Map.Entry<Object, Object> e : attrs.entrySet()) walk(e.getValue(), with(path, PyValues.keyText(e.getKey())), true);
        } else if (o.state() != PyValues.None.NONE) {
            walk(o.state(), with(path, STATE), true);
        }
        for (Map.Entry<Object, Object> e : o.dictItems().entrySet()) walk(e.getValue(), with(path, PyValues.keyText(e.getKey())), true);
        for (int i = 0; i < o.listItems().size(); i++) walk(o.listItems().get(i), with(path, Integer.toString(i)), true);
        if (o.args().size() > 0) walk(o.args(), with(path, ARGS), true);
    }

    /** An eager {@code nn.Module}: parameters, then persistent buffers, then children, as state_dict() orders them. */
    private void walkModule(Map<Object, Object> attrs, List<String> path) {
        walkNamed(attrs.get("_parameters"), path, Set.of());
        Set<String> nonPersistent = new java.util.HashSet<>();
        if (attrs.get("_non_persistent_buffers_set") instanceof Set<?> s) {
            for (Object n : s) nonPersistent.add(PyValues.keyText(n));
        }
        walkNamed(attrs.get("_buffers"), path, nonPersistent);
        if (attrs.get("_modules") instanceof Map<?, ?> children) {
            for (Map.Entry<?, ?> e : children.entrySet()) {
                Object child = e.getValue();
                List<String> childPath = with(path, PyValues.keyText(e.getKey()));
                if (child instanceof PyObject c && isModule(c)) {
                    if (!onPath.add(c)) continue;
                    try {
                        if (c.attributes().containsKey("_parameters")) walkModule(c.attributes(), childPath);
                        else walkObject(c, childPath, true);
                    } finally {
                        onPath.remove(c);
                    }
                } else if (child != PyValues.None.NONE) {
                    walk(child, childPath, true);
                }
            }
        }
    }

    private void walkNamed(Object named, List<String> path, Set<String> skip) {
        if (!(named instanceof Map<?, ?> m)) return;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String name = PyValues.keyText(e.getKey());
            if (skip.contains(name) || e.getValue() == PyValues.None.NONE) continue;
            walk(e.getValue(), with(path, name), true);
        }
    }

    private static String summary(PyObject o) {
        if (o.args().size() > 0) return o.typeName() + o.args();
        Map<Object, Object> attrs = o.attributes();
        if (!attrs.isEmpty()) return attrs.size() + " attributes";
        return "";
    }

    private boolean overSegments(List<String> path) {
        segments += path.size();
        if (segments <= MAX_PATH_SEGMENTS) return false;
        stop("the listing's keys have more than " + MAX_PATH_SEGMENTS + " parts in all (" + tensors.size()
                + " tensors listed; shared structure?); listing stopped there");
        return true;
    }

    private void stop(String why) {
        cutShort = true;
        warnings.add(why);
    }

    private static List<String> with(List<String> path, String segment) {
        List<String> p = new ArrayList<>(path.size() + 1);
        p.addAll(path);
        p.add(segment);
        return p;
    }

    private static String abbreviate(String s) { return s.length() > 120 ? s.substring(0, 120) + "..." : s; }
}
