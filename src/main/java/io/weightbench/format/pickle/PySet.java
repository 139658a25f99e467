package io.weightbench.format.pickle;

import java.util.LinkedHashSet;

/** A Python set or frozenset. */
public final class PySet extends LinkedHashSet<Object> {
    private static final long serialVersionUID = 1L;

    @Override public boolean equals(Object o) { return this == o; }

    @Override public int hashCode() { return System.identityHashCode(this); }
}
