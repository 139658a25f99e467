package io.weightbench.format.pickle;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A Python tuple: an immutable list, usable as a dict key (equality by content). A pickle can share
 * one tuple many times inside another (a 207-byte pickle of 60 nested levels names 2^60 leaves), so
 * the hash is computed once per tuple and equality compares each pair of tuples once: both are
 * linear in the pickle's size, never in the size of the tree it unfolds to.
 */
public final class PyTuple {

    private final Object[] items;
    /** Computed when the tuple is made, from its items' hashes (a nested tuple's is already known): no recursion. */
    private final int hash;

    public PyTuple(List<Object> items) {
        this(items.toArray());
    }

    private PyTuple(Object[] items) {
        this.items = items;
        int h = 1;
        for (Object o : items) h = 31 * h + (o == null ? 0 : o.hashCode());
        this.hash = h;
    }

    public static PyTuple of(Object... items) { return new PyTuple(items.clone()); }

    public List<Object> items() { return Collections.unmodifiableList(Arrays.asList(items)); }

    public int size() { return items.length; }

    public Object get(int i) { return items[i]; }

    @Override public boolean equals(Object o) {
        if (o == this) return true;
        if (!(o instanceof PyTuple t) || t.items.length != items.length || t.hashCode() != hashCode()) return false;
        return equal(this, t, new java.util.HashSet<>());
    }

    /** Element by element; a pair of tuples already found equal (or being compared) is not compared again. */
    private static boolean equal(PyTuple a, PyTuple b, java.util.Set<Pair> compared) {
        if (!compared.add(new Pair(a, b))) return true;
        for (int i = 0; i < a.items.length; i++) {
            Object x = a.items[i];
            Object y = b.items[i];
            if (x == y) continue;
            if (x instanceof PyTuple tx && y instanceof PyTuple ty) {
                if (tx.items.length != ty.items.length || tx.hashCode() != ty.hashCode() || !equal(tx, ty, compared)) return false;
            } else if (x == null || !x.equals(y)) {
                return false;
            }
        }
        return true;
    }

    /** Two tuples by identity. */
    private record Pair(PyTuple a, PyTuple b) {
        @Override public boolean equals(Object o) { return o instanceof Pair p && p.a == a && p.b == b; }

        @Override public int hashCode() { return System.identityHashCode(a) * 31 + System.identityHashCode(b); }
    }

    @Override public int hashCode() { return hash; }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < items.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(PyValues.repr(items[i]));
        }
        return sb.append(items.length == 1 ? ",)" : ")").toString();
    }
}
