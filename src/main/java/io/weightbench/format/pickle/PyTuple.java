package io.weightbench.format.pickle;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** A Python tuple: an immutable list, usable as a dict key (equality by content). */
public final class PyTuple {

    private final Object[] items;

    public PyTuple(List<Object> items) {
        this.items = items.toArray();
    }

    private PyTuple(Object[] items) {
        this.items = items;
    }

    public static PyTuple of(Object... items) { return new PyTuple(items.clone()); }

    public List<Object> items() { return Collections.unmodifiableList(Arrays.asList(items)); }

    public int size() { return items.length; }

    public Object get(int i) { return items[i]; }

    @Override public boolean equals(Object o) { return o instanceof PyTuple t && Arrays.equals(items, t.items); }

    @Override public int hashCode() { return Arrays.hashCode(items); }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < items.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(PyValues.repr(items[i]));
        }
        return sb.append(items.length == 1 ? ",)" : ")").toString();
    }
}
