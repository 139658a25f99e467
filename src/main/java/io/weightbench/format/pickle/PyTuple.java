package io.weightbench.format.pickle;

import java.util.List;

/** A Python tuple: an immutable list, usable as a dict key. */
public record PyTuple(List<Object> items) {

    public PyTuple {
        items = List.copyOf(items);
    }

    public static PyTuple of(Object... items) { return new PyTuple(List.of(items)); }

    public int size() { return items.size(); }

    public Object get(int i) { return items.get(i); }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(PyValues.repr(items.get(i)));
        }
        return sb.append(items.size() == 1 ? ",)" : ")").toString();
    }
}
