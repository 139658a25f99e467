package io.weightbench.format.pickle;

/** A reference to a Python class or function by name ({@code GLOBAL}); never resolved, never called. */
public record PyGlobal(String module, String name) {

    public String qualifiedName() { return module + "." + name; }

    public boolean is(String qualified) { return qualifiedName().equals(qualified); }

    @Override public String toString() { return qualifiedName(); }
}
