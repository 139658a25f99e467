package io.weightbench.format.pickle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inert placeholder for an object of a class the VM does not interpret: it records the class
 * (or callable), the arguments it would have been called with, and the state {@code BUILD} would
 * have set. Nothing is imported or called; the user sees it for what it is.
 */
public final class PyObject {

    private final PyGlobal type;
    private final PyTuple args;
    private Object state = PyValues.None.NONE;
    private final List<Object> listItems = new ArrayList<>();
    private final Map<Object, Object> dictItems = new LinkedHashMap<>();
    private Object resolved;

    public PyObject(PyGlobal type, PyTuple args) {
        this.type = type;
        this.args = args;
    }

    public PyGlobal type() { return type; }

    public String typeName() { return type.qualifiedName(); }

    public PyTuple args() { return args; }

    public Object state() { return state; }

    void setState(Object state) { this.state = state; }

    public List<Object> listItems() { return listItems; }

    /**
     * What a format's hooks made of this object once its state was set (an old-style pickled
     * {@code torch.FloatTensor} becomes a tensor); empty while it stays an inert placeholder.
     */
    public java.util.Optional<Object> resolved() { return java.util.Optional.ofNullable(resolved); }

    void resolveTo(Object value) { this.resolved = value; }

    public Map<Object, Object> dictItems() { return dictItems; }

    /** The state as attribute dict, if it is one ({@code (dict, slots)} tuples are merged). */
    public Map<Object, Object> attributes() {
        if (state instanceof PyDict d) return d;
        if (state instanceof PyTuple t && t.size() == 2) {
            Map<Object, Object> merged = new LinkedHashMap<>();
            if (t.get(0) instanceof PyDict d) merged.putAll(d);
            if (t.get(1) instanceof PyDict s) merged.putAll(s);
            return merged;
        }
        return Map.of();
    }

    @Override public String toString() { return "<" + typeName() + " object>"; }
}
