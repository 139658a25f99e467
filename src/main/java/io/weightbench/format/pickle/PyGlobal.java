package io.weightbench.format.pickle;

import java.util.Objects;

/** A reference to a Python class or function by name ({@code GLOBAL}); never resolved, never called. */
public final class PyGlobal {

    private final String module;
    private final String name;
    private final String qualifiedName;
    /** How the VM that read this global interprets calls of it; resolved at its first call. */
    Reconstructor reconstructor;

    public PyGlobal(String module, String name) {
        this.module = Objects.requireNonNull(module);
        this.name = Objects.requireNonNull(name);
        this.qualifiedName = module + "." + name;
    }

    public String module() { return module; }

    public String name() { return name; }

    /** {@code module.name}, computed once: reconstructors are dispatched on it for every call. */
    public String qualifiedName() { return qualifiedName; }

    public boolean is(String qualified) { return qualifiedName.equals(qualified); }

    @Override public boolean equals(Object o) { return o instanceof PyGlobal g && g.qualifiedName.equals(qualifiedName); }

    @Override public int hashCode() { return qualifiedName.hashCode(); }

    @Override public String toString() { return qualifiedName; }
}
