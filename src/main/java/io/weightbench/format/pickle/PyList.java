package io.weightbench.format.pickle;

import java.util.ArrayList;

/** A Python list (mutable while the pickle is read). Identity equality, as in Python. */
public final class PyList extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;

    @Override public boolean equals(Object o) { return this == o; }

    @Override public int hashCode() { return System.identityHashCode(this); }
}
